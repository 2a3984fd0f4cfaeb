"""The bounded process-wide memo (`portal.core.kept.Kept`)."""

from portal.core.kept import Kept


def test_values_are_kept_by_key_and_the_oldest_half_goes_when_full():
    kept: Kept[int, str] = Kept(4)
    assert kept.get(1) is None
    assert kept.put(1, "一") == "一" and kept.get(1) == "一"
    for key in (2, 3, 4):
        kept.put(key, str(key))
    kept.put(5, "五")  # full: 1 and 2 are dropped, the newer ones stay
    assert [kept.get(k) for k in (1, 2, 3, 4, 5)] == [None, None, "3", "4", "五"]
