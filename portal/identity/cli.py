"""`verify-id FRONT --name NAME --id-number NUMBER [--json]` and `verify-id --cases FILE.jsonl`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from portal.identity.check.imaging import UploadRejected


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _read(path: Path) -> bytes:
    return path.read_bytes()


def _run_cases(cases_file: Path) -> None:
    from portal.identity.check.ocr import ocr_engine
    from portal.identity.check.pipeline import check_id_card

    engine = ocr_engine()
    base = cases_file.parent
    try:
        lines = cases_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {cases_file}: {exc}", 2)
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        case_id = None
        try:
            case = json.loads(raw)
            if not isinstance(case, dict):
                raise ValueError("not a JSON object")
            case_id = case.get("id", number)
            document_type = case.get("document_type", "resident_id")
            if document_type != "resident_id":
                raise ValueError(f"document_type {document_type!r} is not checked automatically")
            front = Path(str(case["front"]))
            if not front.is_absolute() and not front.exists():
                front = base / front
            data = _read(front)
            result = check_id_card(data, name=str(case["name"]), id_number=str(case["id_number"]), engine=engine)
            click.echo(result.to_json(case_id))
        except UploadRejected as exc:
            click.echo(json.dumps({"id": case_id, "error": f"not a readable image ({exc.code})"}))
        except (OSError, KeyError, ValueError) as exc:
            reason = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            click.echo(json.dumps({"id": case_id if case_id is not None else number, "error": reason}))


@click.command("verify-id")
@click.argument("front", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--name", help="The entered real name (真实姓名).")
@click.option("--id-number", help="The entered resident ID number (证件编号).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option(
    "--cases",
    type=click.Path(path_type=Path, dir_okay=False),
    help="JSON Lines file of cases; prints one JSON result per line, in order.",
)
def verify_id(front: Path | None, name: str | None, id_number: str | None, as_json: bool, cases: Path | None):
    """Run automatic ID card verification on a photo of the card front."""
    if cases is not None:
        if front is not None:
            _fail("give either FRONT or --cases, not both", 2)
        if not cases.is_file():
            _fail(f"cases file not found: {cases}", 2)
        _run_cases(cases)
        return
    if front is None or not name or not id_number:
        _fail("need FRONT, --name and --id-number (or --cases FILE.jsonl)", 2)
    try:
        data = _read(front)
    except OSError as exc:
        _fail(f"cannot read {front}: {exc.strerror or exc}", 2)
    from portal.identity.check.pipeline import check_id_card

    try:
        result = check_id_card(data, name=name, id_number=id_number)
    except UploadRejected as exc:
        _fail(f"{front} is not a readable image ({exc.code})", 2)
    if as_json:
        click.echo(result.to_json())
        return
    extracted = result.extracted
    read = ", ".join(f"{k}={v}" for k, v in extracted.items() if v) or "nothing read"
    reasons = f" ({', '.join(result.reasons)})" if result.reasons else ""
    click.echo(f"{result.decision}{reasons} in {result.seconds:.2f}s; read: {read}")


commands = [verify_id]
