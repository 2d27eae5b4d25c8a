"""Near-duplicates: same text after normalization, or close character vectors with the
same top guess, never across review statuses."""

from nlu.feedback.grouping import group_messages


def message(message_id, text, status="pending", top="item_not_received"):
    return {"message_id": message_id, "text": text, "status": status, "top_intent": top}


def groups(rows):
    return [g.message_ids for g in group_messages(rows)]


def test_the_same_text_after_normalization_is_one_group():
    rows = [message("a", "Paket BLM nyampe!!"), message("b", "paket belum sampai"),
            message("c", "paket blm nyampeeee"), message("d", "paket [PHONE] 5 hari"),
            message("e", "paket [PHONE] 7 hari")]
    assert groups(rows) == [["a", "b", "c"], ["d", "e"]]


def test_close_texts_with_the_same_top_guess_are_one_group():
    rows = [message("a", "mau cancel order dong"), message("b", "mau cancel order"),
            message("c", "mau cancel order kak", top="cancel_order"),
            message("d", "cara ganti alamat pengiriman")]
    assert groups(rows) == [["a", "b"], ["c"], ["d"]]


def test_different_requests_in_similar_words_stay_apart():
    rows = [message("a", "bagaimana cara batalkan pesanan yang sudah dibayar"),
            message("b", "bagaimana cara ganti alamat kirim pesanan yang sudah dibayar"),
            message("c", "refund belum masuk"), message("d", "refund sudah masuk")]
    assert groups(rows) == [["a"], ["b"], ["c"], ["d"]]


def test_statuses_are_never_mixed_and_order_is_kept():
    rows = [message("a", "halo kak", status="confirmed"), message("b", "halo kak"),
            message("c", "halo kak", status="confirmed")]
    result = group_messages(rows)
    assert [g.message_ids for g in result] == [["a", "c"], ["b"]]
    assert result[0].representative["message_id"] == "a" and len(result[0]) == 2


def test_no_messages_and_empty_texts():
    assert group_messages([]) == []
    assert groups([message("a", "!!!"), message("b", "???")]) == [["a", "b"]]
