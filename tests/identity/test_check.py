import io
import json

import pytest
from PIL import Image

from portal.identity.check import pipeline as check
from portal.identity.check.imaging import UploadRejected
from portal.identity.check.pipeline import CheckResult, check_id_card, messages_zh
from portal.identity.check.quality import MESSAGES_ZH, assess
from tests.identity.conftest import FIXTURES

CASES = [json.loads(line) for line in (FIXTURES / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
VARIANTS = {case["id"].rsplit("-", 1)[0] for case in CASES}


def test_fixture_set_covers_every_variant():
    assert {"flat", "photo", "blurry", "glare", "too_dark", "not_in_frame", "too_small"} <= VARIANTS
    assert {"landscape", "text_page", "blank_wall"} <= VARIANTS


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_fixture_decision(case, ocr_engine):
    data = (FIXTURES / case["front"]).read_bytes()
    result = check_id_card(data, name=case["name"], id_number=case["id_number"], engine=ocr_engine)
    assert result.decision == case["expect"]["decision"], result
    assert sorted(result.reasons) == sorted(case["expect"]["reasons"]), result
    assert result.seconds > 0
    if result.decision == "verified":
        card = case["card"]
        for key in ("name", "id_number", "sex", "birth_date", "ethnicity"):
            assert result.extracted[key] == card[key]
        assert messages_zh(result) == ["身份证核验通过"]
    elif result.decision == "retake":
        assert messages_zh(result) == [MESSAGES_ZH[r] for r in case["expect"]["reasons"]]
    elif result.decision == "unreadable":
        assert messages_zh(result) == ["未识别到身份证人像面，请拍摄身份证正面"]


GENUINE = [case for case in CASES if case["expect"]["decision"] == "verified"]


@pytest.mark.parametrize("case", GENUINE[:3], ids=[case["id"] for case in GENUINE[:3]])
def test_impostors_are_never_verified(case, ocr_engine):
    data = (FIXTURES / case["front"]).read_bytes()
    number = case["id_number"]
    other_number = "42010619900101123" + "1"
    wrong_name = check_id_card(data, name=case["name"][0] + "某某", id_number=number, engine=ocr_engine)
    assert (wrong_name.decision, wrong_name.reasons) == ("mismatch", ["name_mismatch"])
    assert "姓名与填写不一致" in messages_zh(wrong_name)
    wrong_number = check_id_card(data, name=case["name"], id_number=other_number, engine=ocr_engine)
    assert (wrong_number.decision, wrong_number.reasons) == ("mismatch", ["number_mismatch"])
    assert "证件号码与填写不一致" in messages_zh(wrong_number)
    # the entered number in another spelling (spaces, lower-case x) is still the same number
    spaced = " ".join([number[:6], number[6:14], number[14:].lower()])
    assert check_id_card(data, name=case["name"], id_number=spaced, engine=ocr_engine).decision == "verified"


def test_decision_rules_never_verify_a_guess():
    good = {
        "name": "张三",
        "id_number": "420106199001011231",
        "sex": "男",
        "birth_date": "1990-01-01",
        "ethnicity": "汉",
        "address": "湖北省",
    }
    decide = check._decide
    assert decide(good, name="张三", id_number="420106199001011231") == ("verified", [])
    assert decide({**good, "id_number": "420106199001011232"}, name="张三", id_number="420106199001011232") == (
        "mismatch",
        ["invalid_number"],
    )
    assert decide({**good, "birth_date": "1990-01-02"}, name="张三", id_number=good["id_number"])[1] == [
        "invalid_number"
    ]
    assert decide({**good, "sex": "女"}, name="张三", id_number=good["id_number"])[1] == ["invalid_number"]
    assert decide({**good, "name": "张"}, name="张三", id_number=good["id_number"]) == (
        "mismatch",
        ["name_mismatch"],
    )
    assert decide({**good, "name": None}, name="张三", id_number=good["id_number"])[0] == "retake"
    assert decide({**good, "id_number": None}, name="张三", id_number=good["id_number"])[0] == "retake"
    assert decide({**good, "sex": None}, name="张三", id_number=good["id_number"])[0] == "retake"


def test_to_json_matches_contract():
    result = CheckResult("verified", [], {"name": "张三"}, 0.41234)
    assert json.loads(result.to_json("c1")) == {
        "id": "c1",
        "decision": "verified",
        "reasons": [],
        "extracted": {"name": "张三"},
        "seconds": 0.412,
    }
    assert list(json.loads(result.to_json("c1"))) == ["id", "decision", "reasons", "extracted", "seconds"]


@pytest.mark.parametrize("data", [b"", b"not an image at all" * 10, (FIXTURES / "flat-000.jpg").read_bytes()[:5000]])
def test_bad_files_are_input_errors(data):
    with pytest.raises(UploadRejected):
        check_id_card(data, name="张三", id_number="420106199001011231")


def test_rotated_upload_is_still_read(ocr_engine):
    case = GENUINE[2]
    img = Image.open(FIXTURES / case["front"]).rotate(90, expand=True)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90)
    result = check_id_card(out.getvalue(), name=case["name"], id_number=case["id_number"], engine=ocr_engine)
    assert result.decision == "verified", result


def test_assess_overlay_and_messages():
    import cv2
    import numpy as np

    bad = cv2.imdecode(np.frombuffer((FIXTURES / "blurry-005.jpg").read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    report = assess(bad)
    assert report.reasons == ["blurry"]
    assert report.messages_zh == ["照片模糊，请在光线充足处重拍"]
    assert report.overlay.shape == bad.shape and not np.array_equal(report.overlay, bad)
    good = cv2.imdecode(np.frombuffer((FIXTURES / "photo-002.jpg").read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    assert assess(good).ok
