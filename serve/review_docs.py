"""Response examples of the review API for its OpenAPI schema (kept out of the routes)."""

MESSAGE_ID = "5f0c7e0e9d8b4a53b1c1f0a6f9e2d7c1"

QUEUE = {"items": [{
    "message_id": MESSAGE_ID, "message_ids": [MESSAGE_ID, "9a1d2c3b4e5f60718293a4b5c6d7e8f9"],
    "count": 2, "created_at": "2026-11-27T09:12:03", "first_seen": "2026-11-27T08:40:11",
    "text": "refund blm masuk, hubungi [PHONE]", "lang": "id", "intent": "payment_issue",
    "top_intent": "payment_issue", "route": "live_chat", "confidence": 0.61, "margin": 0.22,
    "fallback": None, "ranking": [{"intent": "payment_issue", "confidence": 0.61},
                                  {"intent": "refund_return", "confidence": 0.39}],
    "model_version": "20261127-181201", "priority": "feedback", "score": 1.3,
    "status": "pending", "label": None, "reviewer": None, "reviewed_at": None,
    "disagreement": False, "double_review": False,
    "suggestions": ["payment_issue", "refund_return"], "default_label": "payment_issue",
    "agent_suggestion": {"label": "refund_return"}, "labels": [],
    "feedback": [{"source": "agent", "correct_intent": "refund_return",
                  "correct_route": "resolution_center", "comment": None, "out_of_scope": False,
                  "created_at": "2026-11-27T09:15:40"}]}],
    "total": 1, "messages": 2, "truncated": False, "limit": 50, "offset": 0}
DECISION = {"id": 41, "message_id": MESSAGE_ID, "label": "refund_return", "out_of_scope": False,
            "reviewer": "rina", "created_at": "2026-11-27T10:02:11",
            "previous_label": "payment_issue", "model_version": "20261127-181201",
            "blind": False, "resolves": False, "disagreement": True,
            "others": [{"reviewer": "budi", "label": "payment_issue"}]}
BULK = {"decisions": [DECISION]}
HISTORY = {"message_id": MESSAGE_ID, "hidden": 0, "decisions": [
    {"id": 40, "message_id": MESSAGE_ID, "reviewer": "budi", "label": "payment_issue",
     "previous_label": "payment_issue", "model_version": "20261127-181201", "blind": False,
     "resolves": False, "created_at": "2026-11-27T09:58:02", "undone_at": None,
     "undone_by": None},
    {**{k: v for k, v in DECISION.items() if k not in ("out_of_scope", "disagreement",
                                                         "others")},
     "undone_at": None, "undone_by": None}]}
STATS = {"predictions": 1250, "feedback": 31, "pending": 112, "reviewed": 84,
         "disagreements": 2, "answered": 60, "wrong_intent": 9, "misrouted": 6,
         "fallbacks": 24, "fallbacks_out_of_scope": 20, "fallbacks_missed": 4,
         "sure_reviewed": 18, "sure_correct": 17, "sure_precision": 0.9444,
         "misroutes_by_route": [{"predicted_route": "live_chat",
                                 "correct_route": "resolution_center", "count": 4}]}
AGREEMENT = {"double_rate": 0.1, "pairs": [{"reviewers": ["budi", "rina"], "messages": 12,
                                            "agreed": 10, "observed": 0.8333, "kappa": 0.79}]}
INSIGHTS = {
    "confused_intents": [{"predicted": "payment_issue", "correct": "refund_return", "count": 4,
                          "examples": ["refund blm masuk, hubungi [PHONE]"]}],
    "misroutes_per_day": [{"day": "2026-11-27", "route": "live_chat", "reviewed": 30,
                           "misrouted": 4}],
    "fallbacks_per_day": [{"day": "2026-11-27", "reviewed": 12, "out_of_scope": 10,
                           "missed": 2, "missed_routes": {"invoice_chat": 2}}],
    "precision_when_sure": [{"intent": "track_order", "reviewed": 6, "correct": 6,
                             "precision": 1.0}],
    "recurring_out_of_scope": [{"name": "ongkir, mahal", "messages": 9, "days": 3,
                                "recurring": True, "first_seen": "2026-11-25T08:01:00",
                                "last_seen": "2026-11-27T17:40:12",
                                "examples": ["ongkir mahal bgt skrg"]}],
    "agreement": AGREEMENT["pairs"],
    "training": {"examples": 2330, "too_few": [], "too_similar": [
        {"intents": ["item_not_received", "order_not_shipped"], "examples": 26, "share": 0.108,
         "closest": ["pesanan sy blm nyampe", "pesanan saya belum dikirim"],
         "similarity": 0.58}]},
    "training_error": None}
LEADS = {"reserved": ["admin"], "leads": [
    {"name": "rina", "created_at": "2026-11-20T08:00:00", "rotated_at": None, "revoked_at": None,
     "decisions": 84, "last_decision": "2026-11-27T10:02:11"}]}


def example(value):
    return {200: {"content": {"application/json": {"example": value}}}}
