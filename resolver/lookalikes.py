"""Handle suffixes a reader could take for another: look-alike scripts mixed, compatibility forms.

``BAT-1`` written with a Cyrillic A (U+0410), or in fullwidth letters (U+FF22...), prints like ``BAT-1``; a
node refuses them so that one battery cannot get two passports that look the same. The
script and confusable data are Unicode's (confusables.txt, Scripts.txt), as shipped by the
``confusable_homoglyphs`` package (MIT; the data under the Unicode licence).
"""

from __future__ import annotations

import unicodedata
from collections import Counter

from confusable_homoglyphs import categories, confusables

from resolver.errors import InvalidIdentifier

__all__ = ["check_lookalikes"]


def check_lookalikes(suffix: str) -> None:
    """Raise InvalidIdentifier if ``suffix`` (NFC) holds compatibility forms or mixes look-alike scripts."""
    if suffix.isascii():
        return
    plain = unicodedata.normalize("NFKC", suffix)
    if plain != suffix:
        odd = next(ch for ch in suffix if unicodedata.normalize("NFKC", ch) != ch)
        raise InvalidIdentifier(
            f"handle suffix has a compatibility form {_name(odd)} of "
            f"{unicodedata.normalize('NFKC', odd)!r} (fullwidth letters, ligatures, superscripts "
            f"print like other characters); write {plain[:60]!r} instead"
        )
    if not confusables.is_dangerous(suffix):  # one script (and Common), or no look-alikes
        return
    # Named against the script most of the suffix is in: a Cyrillic A in BAT-1 is the odd one.
    counts = Counter(categories.alias(ch) for ch in suffix)
    for alias, _ in counts.most_common():
        if alias == "COMMON":
            continue
        found = confusables.is_confusable(suffix, greedy=False, preferred_aliases=[alias.lower()])
        if found:
            ch, like = found[0]["character"], found[0]["homoglyphs"][0]
            raise InvalidIdentifier(
                f"handle suffix mixes scripts that look alike: {_name(ch)} looks like "
                f"{like['c']!r} ({like['n']}); write the suffix in one script"
            )
    raise InvalidIdentifier("handle suffix mixes scripts that look alike; write it in one script")


def _name(ch: str) -> str:
    return f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})"
