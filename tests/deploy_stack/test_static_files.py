"""Production static files: hashed names, brotli and gzip copies, far-future immutable caching."""

import re

import pytest
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

# Collected files are the same whatever the database: checked on one engine's run only.
pytestmark = pytest.mark.engine_free

MANIFEST = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def test_collectstatic_writes_compressed_hashed_files_served_for_a_year(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=MANIFEST, DEBUG=False):
        call_command("collectstatic", interactive=False, verbosity=0)
        hashed = [
            p
            for p in (tmp_path / "portal").iterdir()
            if re.fullmatch(r"site\.[0-9a-f]{12}\.css", p.name)
        ]
        assert len(hashed) == 1
        css = hashed[0]
        assert css.with_name(css.name + ".br").exists()
        assert css.with_name(css.name + ".gz").exists()

        middleware = WhiteNoiseMiddleware(lambda request: None)
        request = RequestFactory().get(
            f"/static/portal/{css.name}", HTTP_ACCEPT_ENCODING="br, gzip"
        )
        response = middleware(request)
        assert response.status_code == 200
        assert response["Content-Encoding"] == "br"
        assert (
            "immutable" in response["Cache-Control"]
            and "max-age=315360000" in response["Cache-Control"]
        )
