"""Presentation attacks made from genuine cards of every source (our generator, the idcardgenerator package's
template, the cairo/Pango renderer): a photocopy, a colour printout and a screen are never `verified`, each is
`retake` with its named reason and the Chinese request for the original; the genuine photo still verifies."""

from __future__ import annotations

import random

import pytest

from portal.identity.check.pipeline import ATTACK_MESSAGE, check_id_card, messages_zh
from tools.idcard.generator import encode_jpeg, random_identity
from tools.idcard.scenes import ATTACKS, attack_photo, genuine_photo
from tools.idcard.sources import SOURCES, render_cards

SEED = 4242


@pytest.fixture(scope="module")
def cards():
    out = {}
    for index, source in enumerate(SOURCES):
        rng = random.Random(SEED + index)
        identity = random_identity(rng)
        out[source] = (identity, render_cards(source, [identity], rng)[0])
    return out


@pytest.mark.parametrize("source", SOURCES)
def test_genuine_photo_of_each_source_verifies(cards, source, ocr_engine):
    identity, card = cards[source]
    photo = encode_jpeg(genuine_photo(card, random.Random(SEED), frame=(1600, 1200)))
    result = check_id_card(photo, name=identity.name, id_number=identity.id_number, engine=ocr_engine)
    assert (result.decision, result.reasons) == ("verified", [])
    assert result.signals["chroma"] > 0


@pytest.mark.parametrize("kind", ATTACKS)
@pytest.mark.parametrize("source", SOURCES)
def test_attack_of_each_kind_and_source_is_never_verified(cards, source, kind, ocr_engine):
    identity, card = cards[source]
    photo = encode_jpeg(attack_photo(kind, card, random.Random(SEED + 7), frame=(1600, 1200)))
    result = check_id_card(photo, name=identity.name, id_number=identity.id_number, engine=ocr_engine)
    assert result.decision != "verified"
    assert (result.decision, result.reasons) == ("retake", [kind]), result.signals
    assert messages_zh(result) == [ATTACK_MESSAGE] == ["请拍摄身份证原件，不要翻拍屏幕或复印件"]
