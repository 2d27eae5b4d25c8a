"""Request and response models of the HTTP API."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

MAX_TEXT_LENGTH = 2000
MAX_BATCH = 256


def _not_blank(text):
    if not text.strip():
        raise ValueError("text is empty or only whitespace")
    return text


# The pattern only documents _not_blank (whose message is clearer) for clients and fuzzers;
# \x1c-\x1f and \x85 are whitespace to Python's strip() but not to an ECMA (JSON Schema) \s.
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_LENGTH,
                            description=f"A customer message, 1 to {MAX_TEXT_LENGTH} characters, "
                                        "not only whitespace.",
                            json_schema_extra={"pattern": r"[^\s\x1c-\x1f\x85]"}),
                 AfterValidator(_not_blank)]


class ParseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"text": "paket blm nyampe udh 5 hari min, INV/20261103/MPL/3456789012"}]})
    text: Text


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"texts": ["mau cancel order dong", "my voucher cannot use"]}]})
    texts: list[Text] = Field(min_length=1, max_length=MAX_BATCH)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"session_id": "c0ffee-42", "text": "seller ga bales komplain udh 4 hari"},
                     {"session_id": "c0ffee-42", "text": "Barang rusak atau salah",
                      "intent": "damaged_or_wrong_item"}]})
    session_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    text: Text
    intent: str | None = Field(None, max_length=64, description=(
        "set when the customer clicked a suggestion: its `intent` (send its `label` as "
        "`text`); the conversation goes on with that intent"))


class RankedIntent(BaseModel):
    intent: str
    confidence: float


class Entity(BaseModel):
    type: str
    value: int | float | str
    start: int
    end: int
    courier: str | None = Field(None, description="a resi's courier (JNE, J&T, SiCepat, "
                                "AnterAja, SPX, Ninja Xpress, POS Indonesia) when the message "
                                "names it or the number's format tells it; else null")


class Prediction(BaseModel):
    text: str
    intent: str | None
    confidence: float
    ranking: list[RankedIntent]
    fallback: str | None = Field(description="null, low_confidence, ambiguous or out_of_scope")
    lang: str
    entities: list[Entity]
    route: str | None = None


_PARSED = {
    "text": "paket blm nyampe udh 5 hari min", "intent": "item_not_received",
    "confidence": 0.97,
    "ranking": [{"intent": "item_not_received", "confidence": 0.97},
                {"intent": "order_not_shipped", "confidence": 0.01}],
    "fallback": None, "lang": "id",
    "entities": [{"type": "duration", "value": 5, "start": 21, "end": 27}],
    "route": "invoice_chat", "message_id": "5f0c7e0e9d8b4a53b1c1f0a6f9e2d7c1",
    "steps": ["Buka menu Transaksi di kanan bawah aplikasi.", "Cari pesanan yang bermasalah.",
              "Ketuk ikon titik tiga di samping produk, lalu pilih Bantuan.",
              "Pilih kendala yang sesuai, lalu ketuk Lanjut Chat."],
    "reply": "Kendala ini paling cepat dibantu CS lewat chat dari invoice pesananmu. Caranya:",
}


class ParseResponse(Prediction):
    model_config = ConfigDict(json_schema_extra={"examples": [_PARSED]})
    message_id: str
    steps: list[str]
    reply: str


class BatchResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"results": [_PARSED]}]})
    results: list[ParseResponse]


class Article(BaseModel):
    id: str
    title: str
    score: float | None = None


class Suggestion(BaseModel):
    intent: str
    label: str


class ChatResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "message_id": "9a1d2c3b4e5f60718293a4b5c6d7e8f9",
        "reply": "Sudah 4 hari tanpa tanggapan penjual, jadi kamu bisa minta CS menengahi. "
                 "Caranya:",
        "lang": "id", "intent": "seller_unresponsive", "confidence": 0.93,
        "route": "resolution_center", "route_name": "Komplain di Pusat Resolusi",
        "steps": ["Buka menu Transaksi dan cari pesanan INV/20261103/MPL/3456789012.",
                  "Buka detail komplain di Pusat Resolusi.",
                  "Tekan Minta Bantuan agar CS Tokopedia menengahi komplainmu."],
        "kb_article": None, "suggestions": [], "awaiting": [], "handoff": False,
        "frustrated": False, "urgent": False, "fallback": None,
        "ranking": [{"intent": "seller_unresponsive", "confidence": 0.93},
                    {"intent": "refund_return", "confidence": 0.03}],
        "entities": [{"type": "invoice", "value": "INV/20261103/MPL/3456789012", "start": 0,
                      "end": 27}, {"type": "duration", "value": 4, "start": 52, "end": 58}],
        "margin": 0.9}]})
    message_id: str
    reply: str
    lang: str = Field(description="the conversation's reply language (id or en): the "
                                  "language of the customer's last clear message, mixed "
                                  "messages answered in Indonesian")
    intent: str | None = Field(description="what the reply is about (null while the bot "
                                           "asks which intent the customer means)")
    confidence: float = Field(description="the model's confidence in `intent`, or in its "
                                          "best intent when `intent` is null")
    route: str | None
    route_name: str | None = Field(None, description="the route in the customer's words, "
                                                     "in `lang`")
    steps: list[str]
    kb_article: Article | None = None
    suggestions: list[Suggestion] = Field([], description=(
        "buttons to show: clicking one sends its `label` as `text` and its `intent`"))
    awaiting: list[str] = Field([], description=(
        "what the bot asked for: [\"choice\"] between the suggestions, or what the route "
        "needs: \"order\" (the invoice number), \"days\" (since the complaint to the "
        "seller); empty when it asked nothing"))
    handoff: bool = Field(description="the conversation is handed over to a CS agent in "
                                      "live chat")
    frustrated: bool = Field(False, description="the hand-over is for an angry or fed-up "
                                                "customer")
    urgent: bool
    fallback: str | None = Field(None, description="the model's fallback reason for the "
                                                   "message: null, low_confidence, ambiguous "
                                                   "or out_of_scope")
    ranking: list[RankedIntent] = Field(description="the model's top intents for the "
                                                    "message, as /v1/parse")
    entities: list[Entity] = Field(description="the entities of the message, as /v1/parse")
    margin: float = Field(description="the top intent's lead over the second")


class RasaParseRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "mau ganti nomor hp"}]})
    text: Text
    message_id: str | None = None


class RasaIntent(BaseModel):
    name: str
    confidence: float


class RasaEntity(BaseModel):
    entity: str
    value: int | float | str
    start: int
    end: int
    confidence_entity: float
    extractor: str


class RasaParseResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "text": "mau ganti nomor hp 0812-3456-7890",
        "intent": {"name": "change_phone_number", "confidence": 0.98},
        "entities": [{"entity": "phone", "value": "+6281234567890", "start": 19, "end": 33,
                      "confidence_entity": 1.0, "extractor": "RegexEntityExtractor"}],
        "intent_ranking": [{"name": "change_phone_number", "confidence": 0.98},
                           {"name": "account_security", "confidence": 0.01}]}]})
    text: str
    intent: RasaIntent
    entities: list[RasaEntity]
    intent_ranking: list[RasaIntent]


class ReloadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"model_dir": "models/20261127-101500"}, {}]})
    model_dir: str | None = Field(None, max_length=1024,
                                  description="artifact to load; the configured one if absent")


class ReloadResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "version": "20261127-181201", "previous_version": "20261127-163902",
        "path": "/srv/nlu/models/20261127-181201"}]})
    version: str
    previous_version: str
    path: str


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})
    status: str


class Readiness(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"status": "ready", "model": "ok", "store": "ok"},
        {"status": "not ready", "model": "ok",
         "store": "database /srv/nlu/var/nlu.db: attempt to write a readonly database"}]})
    status: str = Field(description="ready or not ready")
    model: str = Field(description="ok, or why the model does not answer")
    store: str = Field(description="ok, or why the database does not take writes")


class ErrorResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"detail": "unknown message_id 'abc'"},
        {"detail": [{"loc": ["body", "text"], "msg": "Value error, text is empty or only "
                     "whitespace", "type": "value_error"}]}]})
    detail: str | list
