"""E-mail addresses, platform handles and ad URLs, as recruitment cases report them."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.normalise import (
    NormalisationError,
    normalise_email,
    normalise_handle,
    normalise_url,
)

# --- e-mail -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "email"),
    [
        ("  Maria.Perez@Hotmail.COM ", "maria.perez@hotmail.com"),  # dots matter outside Gmail
        ("mailto:juan@ejemplo.com.co", "juan@ejemplo.com.co"),
        # Gmail: dots and +tags reach the same mailbox
        ("Maria.Perez+empleo@gmail.com", "mariaperez@gmail.com"),
        ("m.a.r.i.a.perez@GoogleMail.com", "mariaperez@gmail.com"),
        ("agencia@españa.es", "agencia@xn--espaa-rta.es"),  # IDNA domain
        ("viajes+usa@outlook.com", "viajes+usa@outlook.com"),
    ],
)
def test_normalise_email(raw: str, email: str) -> None:
    assert normalise_email(raw) == email


@pytest.mark.parametrize(
    "raw",
    [
        "maria.perez",
        "@gmail.com",
        "maria@",
        "maria perez@gmail.com",
        ".maria@gmail.com",
        "maria@localhost",
        "maria@exa mple.com",
        "maria@-example.com",
        "+tag@gmail.com",
    ],
)
def test_normalise_email_rejects(raw: str) -> None:
    with pytest.raises(NormalisationError, match="e-mail address"):
        normalise_email(raw)


# --- handles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "handle", "key"),
    [
        ("Facebook", "@Maria.Perez", "facebook:maria.perez"),
        ("facebook", "https://www.facebook.com/Maria.Perez?ref=bookmarks", "facebook:maria.perez"),
        ("FB", "https://m.facebook.com/profile.php?id=100012345678", "facebook:100012345678"),
        ("Instagram", "@Viajes_Seguros.CR", "instagram:viajes_seguros.cr"),
        ("instagram", "instagram.com/viajes_seguros.cr/", "instagram:viajes_seguros.cr"),
        ("Twitter", "@Juan_P", "x:juan_p"),
        ("X", "https://x.com/Juan_P/status/1", "x:juan_p"),
        ("Telegram", "t.me/Coyote_Tours", "telegram:coyote_tours"),
        ("TikTok", "https://www.tiktok.com/@trabajo.usa", "tiktok:trabajo.usa"),
        ("Snap Chat", "@Maria-P", "snapchat:maria-p"),  # unlisted: permissive check
    ],
)
def test_normalise_handle(platform: str, handle: str, key: str) -> None:
    assert normalise_handle(platform, handle) == key


@pytest.mark.parametrize(
    ("platform", "handle", "reason"),
    [
        ("WhatsApp", "+57 300 123 4567", "phone number"),
        ("facebook", "@mp", "not a valid facebook user name"),  # under 5 characters
        ("x", "@a_name_far_too_long_for_x", "not a valid x user name"),
        ("telegram", "@coyote tours", "not a valid telegram user name"),
        ("facebook", "https://instagram.com/maria.perez", "not a facebook profile URL"),
        ("facebook", "https://facebook.com/", "names no profile"),
        ("", "@maria", "platform"),
    ],
)
def test_normalise_handle_rejects(platform: str, handle: str, reason: str) -> None:
    with pytest.raises(NormalisationError, match=reason):
        normalise_handle(platform, handle)


# --- URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        (
            "HTTPS://WWW.Example.COM:443/Empleos/Ad?id=5&utm_source=fb&fbclid=IwAR0x#contacto",
            "https://example.com/Empleos/Ad?id=5",
        ),
        ("facebook.com/marketplace/item/123", "https://facebook.com/marketplace/item/123"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com:8080/a?UTM_Campaign=x&b=2&gclid=1", "http://example.com:8080/a?b=2"),
        (
            "https://www.anuncios.com.pa/trabajo?q=modelo%20joven",
            "https://anuncios.com.pa/trabajo?q=modelo%20joven",
        ),
        ("https://españa.es/ofertas", "https://xn--espaa-rta.es/ofertas"),
        ("http://192.168.0.1/panel", "http://192.168.0.1/panel"),
    ],
)
def test_normalise_url(raw: str, url: str) -> None:
    assert normalise_url(raw) == url


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("ftp://example.com/file", "only http and https"),
        ("https://", "no host"),
        ("https://example.com:port/", "port"),
        ("https://exa_mple.com/", "not a valid domain"),
    ],
)
def test_normalise_url_rejects(raw: str, reason: str) -> None:
    with pytest.raises(NormalisationError, match=reason):
        normalise_url(raw)


# --- properties ---------------------------------------------------------------------------


@given(st.emails())
def test_email_is_idempotent(raw: str) -> None:
    try:
        email = normalise_email(raw)
    except NormalisationError:
        return
    assert normalise_email(email) == email


@given(
    st.sampled_from(["facebook", "instagram", "x", "tiktok", "telegram", "whatsapp", "other"]),
    st.text(max_size=40),
)
def test_handle_is_idempotent(platform: str, raw: str) -> None:
    try:
        key = normalise_handle(platform, raw)
    except NormalisationError:
        return
    name, _, handle = key.partition(":")
    assert normalise_handle(name, handle) == key


_HOSTS = st.from_regex(r"(www\.)*[a-z0-9]{1,10}\.(com|co|pa|com\.co)", fullmatch=True)
_PATHS = st.from_regex(r"(/[A-Za-z0-9._~%-]{0,8}){0,3}", fullmatch=True)
_QUERIES = st.lists(
    st.sampled_from(["id=5", "utm_source=fb", "fbclid=x", "q=a%20b", "b=", "UTM_medium=y"]),
    max_size=4,
)


@given(st.sampled_from(["http", "HTTPS", ""]), _HOSTS, _PATHS, _QUERIES, st.booleans())
def test_url_is_idempotent(
    scheme: str, host: str, path: str, query: list[str], fragment: bool
) -> None:
    raw = f"{scheme}://" if scheme else ""
    raw += f"{host}{path}" + ("?" + "&".join(query) if query else "") + ("#top" if fragment else "")
    url = normalise_url(raw)
    assert normalise_url(url) == url
    assert "utm_" not in url.lower() and "fbclid" not in url and "#" not in url


@given(st.text())
def test_url_raises_only_normalisation_errors(raw: str) -> None:
    with contextlib.suppress(NormalisationError):
        normalise_url(raw)
