"""The `eligibility` command of CONTRACTS.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.cli import main

ROOT = Path(__file__).resolve().parents[2]

CONTRACT_EXAMPLE = {
    "exam_level": "执业医师",
    "exam_category": "临床",
    "is_assistant_upgrading": False,
    "is_fresh_graduate": True,
    "education": {
        "education_level": "本科",
        "major_type": "医学",
        "major": "临床医学",
        "enrolled_on": "2020-09-01",
        "graduated_on": "2025-06-30",
        "schooling_years": 5,
    },
    "probation": [{"work_started_on": "2025-07-15", "work_ended_on": None}],
    "qualification_certificates": [{"level": "执业助理医师", "category": "临床", "issued_on": "2019-12-01"}],
    "practice_certificate": {
        "practice_level": "执业助理医师",
        "practice_category": "临床",
        "issued_on": "2020-03-01",
    },
}


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()


@pytest.fixture
def record_file(tmp_path):
    path = tmp_path / "record.json"
    path.write_text(json.dumps(CONTRACT_EXAMPLE, ensure_ascii=False), encoding="utf-8")
    return path


def run(*args):
    return _runner().invoke(main, ["eligibility", *map(str, args)])


def test_contract_example(record_file):
    result = run(record_file, "--year", "2026", "--as-of", "2026-03-01")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["verdict", "exam_level", "reasons", "missing_fields", "probation_days_missing"]
    # Probation from 2025-07-15 completes its year on 2026-07-14, before the 2026-08-31 cut-off.
    assert data["verdict"] == "will_be_eligible"
    assert data["exam_level"] == "执业医师"
    assert data["missing_fields"] == []
    assert data["probation_days_missing"] == 0
    assert "2026-07-14" in data["reasons"][0]["message"]
    assert "将于" in result.stdout  # Chinese printed as is (ensure_ascii=False)


def test_cutoff_option(record_file):
    # A cut-off of 2026-07-13 is one day before the year completes: 1 day missing, not eligible.
    result = run(record_file, "--cutoff", "2026-07-13", "--as-of", "2026-03-01")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["verdict"] == "not_eligible"
    assert data["probation_days_missing"] == 1


def test_undetermined_exits_zero(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text("{}", encoding="utf-8")
    result = run(path, "--year", "2026")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["verdict"] == "undetermined"
    assert "exam_level" in data["missing_fields"]
    assert data["exam_level"] is None


@pytest.mark.parametrize(
    "content",
    ["{not json", "[1, 2]", '"text"', "\xff\xfe"],
    ids=["bad_json", "array", "string", "not_utf8"],
)
def test_bad_input_exits_2(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content.encode("latin-1") if content == "\xff\xfe" else content.encode())
    result = run(path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_date_option_exits_2(record_file):
    result = run(record_file, "--as-of", "2026-02-30")
    assert result.exit_code == 2
    assert "--as-of" in result.stderr


def test_bad_date_in_record_exits_2(tmp_path):
    path = tmp_path / "r.json"
    record = dict(CONTRACT_EXAMPLE, probation=[{"work_started_on": "15.07.2025", "work_ended_on": None}])
    path.write_text(json.dumps(record), encoding="utf-8")
    result = run(path, "--year", "2026")
    assert result.exit_code == 2
    assert "probation[0].work_started_on" in result.stderr


def test_missing_file_exits_2(tmp_path):
    result = run(tmp_path / "absent.json")
    assert result.exit_code == 2


def test_help():
    result = run("--help")
    assert result.exit_code == 0
    assert "--cutoff" in result.output and "--as-of" in result.output


def test_python_dash_m_portal(record_file):
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "portal",
            "eligibility",
            str(record_file),
            "--year",
            "2026",
            "--as-of",
            "2026-09-01",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["verdict"] == "eligible"
    bad = subprocess.run(
        [sys.executable, "-m", "portal", "eligibility", "-"],
        input="{oops",
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("error:") and len(bad.stderr.strip().splitlines()) == 1
