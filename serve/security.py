"""Security headers on every response; a Content-Security-Policy on every HTML page.

The pages load their scripts and styles from ``/static`` only (no inline script, no CDN),
so the policy allows nothing else; no page may be framed (clickjacking), no response is
sniffed into another type, and no URL (a review filter, a token in a link) leaks to another
site in a Referer header.
"""

__all__ = ["SecurityHeaders", "CONTENT_SECURITY_POLICY"]

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")
_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
           (b"referrer-policy", b"no-referrer"))
_CSP = (b"content-security-policy", CONTENT_SECURITY_POLICY.encode())


class SecurityHeaders:
    """Pure ASGI middleware (cheap enough for every prediction request).

    A response that sets one of these headers itself keeps its own: the documentation
    pages (serve/docs.py) set a policy that lets Swagger UI's and ReDoc's inline scripts
    run.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [header for header in _ALWAYS if header[0] not in present]
                if _CSP[0] not in present and any(
                        name.lower() == b"content-type" and value.startswith(b"text/html")
                        for name, value in headers):
                    headers.append(_CSP)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
