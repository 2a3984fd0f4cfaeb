import json

from click.testing import CliRunner

from portal.identity.cli import verify_id
from tests.identity.conftest import FIXTURES


def _case(manifest, prefix):
    return next(case for case in manifest if case["id"].startswith(prefix))


def test_single_json(manifest, ocr_engine):
    case = _case(manifest, "photo")
    args = [str(FIXTURES / case["front"]), "--name", case["name"], "--id-number", case["id_number"], "--json"]
    result = CliRunner().invoke(verify_id, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["decision"] == "verified"
    assert out["extracted"]["id_number"] == case["id_number"]
    assert set(out) == {"decision", "reasons", "extracted", "seconds"}


def test_single_readable_line(manifest, ocr_engine):
    case = _case(manifest, "blurry")
    args = [str(FIXTURES / case["front"]), "--name", case["name"], "--id-number", case["id_number"]]
    result = CliRunner().invoke(verify_id, args)
    assert result.exit_code == 0
    assert result.output.startswith("retake (blurry)")


def test_not_an_image_exits_2(tmp_path):
    fake = tmp_path / "front.jpg"
    fake.write_text("hello, not a picture")
    result = CliRunner().invoke(verify_id, [str(fake), "--name", "张三", "--id-number", "420106199001011231"])
    assert result.exit_code == 2
    assert "not a readable image" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_file_and_usage_exit_2(tmp_path):
    runner = CliRunner()
    assert runner.invoke(verify_id, [str(tmp_path / "nope.jpg"), "--name", "张三", "--id-number", "1"]).exit_code == 2
    assert runner.invoke(verify_id, []).exit_code == 2
    assert runner.invoke(verify_id, ["--help"]).exit_code == 0


def test_cases_in_order_with_error_line(tmp_path, manifest, ocr_engine):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"")
    picked = [_case(manifest, "flat"), _case(manifest, "landscape"), _case(manifest, "too_small")]
    lines = []
    for case in picked[:2]:
        lines.append({**case, "front": str(FIXTURES / case["front"])})
    lines.append({"id": "broken", "front": str(bad), "name": "张三", "id_number": "420106199001011231"})
    lines.append({**picked[2], "front": str(FIXTURES / picked[2]["front"])})
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(verify_id, ["--cases", str(cases)])
    assert result.exit_code == 0, result.output
    outputs = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in outputs] == [picked[0]["id"], picked[1]["id"], "broken", picked[2]["id"]]
    assert [o.get("decision") for o in outputs] == ["verified", "unreadable", None, "retake"]
    assert "error" in outputs[2] and set(outputs[2]) == {"id", "error"}


def test_main_cli_registers_verify_id():
    from portal.cli import main

    result = CliRunner().invoke(main, ["verify-id", "--help"])
    assert result.exit_code == 0 and "--cases" in result.output
