"""bytes_response: the same response object as aiohttp's constructor makes, without its checks."""

from __future__ import annotations

from aiohttp import web
from multidict import CIMultiDict

from resolver.http import fast_response
from resolver.http.fast_response import bytes_response


def test_the_installed_aiohttp_is_one_the_direct_response_matches() -> None:
    # With another aiohttp the constructor is used (still correct): this says it is not.
    assert fast_response.FAST


def test_a_bytes_response_is_what_aiohttp_makes_of_the_same_bytes_and_headers() -> None:
    headers = CIMultiDict({"Content-Type": "application/ld+json", "ETag": '"v3.public.jsonld"'})
    ours = bytes_response(b'{"a": 1}', headers)
    theirs = web.Response(body=b'{"a": 1}', headers=headers)
    assert type(ours).__mro__[1:].count(web.Response) == 1 or type(ours) is web.Response
    assert (ours.status, ours.reason, ours.body) == (theirs.status, theirs.reason, theirs.body)
    assert ours.headers == theirs.headers and ours.content_type == "application/ld+json"
    assert ours.headers is headers  # the caller's set, not a copy
    assert not ours.prepared and ours.keep_alive is None and ours.compression is False
