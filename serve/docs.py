"""The API documentation pages, /docs (Swagger UI) and /redoc, with their scripts, styles
and icon served by this server (the files of the ``fastapi-offline`` package): they work
where no CDN can be reached."""

from importlib.resources import files

from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/docs/assets"
OAUTH2_REDIRECT_PATH = "/docs/oauth2-redirect"

#: The pages may load nothing from other hosts (ReDoc's footer logo points at a CDN: the
#: browser does not even try it). Both pages start from an inline script; ReDoc adds styles
#: and a search worker of its own.
POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
          "'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; font-src 'self' data:")

router = APIRouter(include_in_schema=False)


def assets():
    """The static files app mounted at :data:`ASSETS_PATH`."""
    return StaticFiles(directory=str(files("fastapi_offline") / "static"))


def _asset(request, name):
    return f"{request.scope.get('root_path', '')}{ASSETS_PATH}/{name}"


@router.get("/docs")
async def swagger_ui(request: Request):
    return _self_only(get_swagger_ui_html(
        openapi_url=request.scope.get("root_path", "") + request.app.openapi_url,
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=_asset(request, "swagger-ui-bundle.js"),
        swagger_css_url=_asset(request, "swagger-ui.css"),
        swagger_favicon_url=_asset(request, "favicon.png"),
        oauth2_redirect_url=OAUTH2_REDIRECT_PATH))


@router.get(OAUTH2_REDIRECT_PATH)
async def swagger_ui_redirect():
    return _self_only(get_swagger_ui_oauth2_redirect_html())


@router.get("/redoc")
async def redoc(request: Request):
    return _self_only(get_redoc_html(
        openapi_url=request.scope.get("root_path", "") + request.app.openapi_url,
        title=f"{request.app.title} - ReDoc", redoc_js_url=_asset(request, "redoc.standalone.js"),
        redoc_favicon_url=_asset(request, "favicon.png"), with_google_fonts=False))


def _self_only(page):
    page.headers["Content-Security-Policy"] = POLICY
    return page
