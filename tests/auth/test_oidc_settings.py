"""PORTAL_OIDC_* settings become the [auth] section Streamlit reads; nothing is configured without them."""

from __future__ import annotations

from pages.components.oidc import auth_section
from portal.core.settings import get_settings


def test_no_provider_without_client_and_issuer(monkeypatch):
    monkeypatch.delenv("PORTAL_OIDC_CLIENT_ID", raising=False)
    monkeypatch.setenv("PORTAL_OIDC_ISSUER", "https://ids.example.gov.cn")
    assert get_settings().oidc is None


def test_settings_to_streamlit_auth_section(monkeypatch):
    monkeypatch.setenv("PORTAL_OIDC_ISSUER", "https://ids.example.gov.cn/oidc/")
    monkeypatch.setenv("PORTAL_OIDC_CLIENT_ID", "portal")
    monkeypatch.setenv("PORTAL_OIDC_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("PORTAL_OIDC_REDIRECT_URI", "https://portal.example.gov.cn/oauth2callback")
    settings = get_settings()
    assert settings.oidc.button_label == "使用统一身份认证登录"
    section = auth_section(settings.oidc, settings.secret_key)
    assert section["server_metadata_url"] == "https://ids.example.gov.cn/oidc/.well-known/openid-configuration"
    assert section["client_id"] == "portal" and section["client_secret"] == "s3cret"
    assert section["redirect_uri"] == "https://portal.example.gov.cn/oauth2callback"
    assert section["client_kwargs"] == {"scope": "openid profile", "prompt": "login"}
    # The identity cookie's key is derived from the secret key, never the secret key itself.
    assert len(section["cookie_secret"]) == 64 and settings.secret_key not in section["cookie_secret"]
    monkeypatch.setenv("PORTAL_SECRET_KEY", "another-secret-key-" + "y" * 32)
    assert auth_section(get_settings().oidc, get_settings().secret_key)["cookie_secret"] != section["cookie_secret"]
    monkeypatch.setenv("PORTAL_OIDC_BUTTON_LABEL", "湖北政务服务网登录")
    assert get_settings().oidc.button_label == "湖北政务服务网登录"
