"""Stored predictions for the review tests, written as the recorder stores them."""

from datetime import datetime, timedelta

ROUTES = {"item_not_received": "invoice_chat", "track_order": "answer",
          "refund_return": "resolution_center", "contact_cs": "live_chat",
          "greeting": "answer"}
DAY = datetime(2026, 11, 20, 9, 0)


def row(message_id, *, minutes=0, intent="track_order", margin=0.8, fallback=None,
        sample=0.5, lang="id", text=None, ranking=None, confidence=None):
    """A stored prediction; ``minutes`` after DAY, so larger is newer."""
    top = intent or "track_order"
    return dict(message_id=message_id, created_at=DAY + timedelta(minutes=minutes),
                session_id=None, model_version="v1", endpoint="parse",
                text=text or f"pesan nomor {message_id}", lang=lang, intent=intent,
                top_intent=top, confidence=confidence or round(0.9 - margin / 10, 4),
                margin=margin, ranking=ranking or [{"intent": top, "confidence": 0.5},
                                                   {"intent": "greeting", "confidence": 0.1}],
                route=ROUTES.get(intent), fallback=fallback, sample=sample)
