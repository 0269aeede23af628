"""deploy/nginx/shop.conf: `nginx -t` where nginx is installed, and on every machine its
structure (crossplane, nginx's own grammar in Python) against the app's settings and paths."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import crossplane
import pytest
import yaml
from django.conf import settings
from django.urls import resolve

ROOT = Path(settings.BASE_DIR)
CONF = ROOT / "deploy" / "nginx" / "shop.conf"
MIME_TYPES = Path("/etc/nginx/mime.types")


def wrapper(tmp_path: Path, site: Path = CONF) -> Path:
    """A main nginx.conf that includes the site the way conf.d/ does, writing only to tmp."""
    temp = "\n".join(
        f"  {name}_temp_path {tmp_path / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    mime = f"  include {MIME_TYPES};\n" if MIME_TYPES.exists() else ""
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{\n{mime}  access_log off;\n{temp}\n  include {site};\n}}\n"
    )
    return main


def check(main: Path) -> tuple[bool, str]:
    """`nginx -t` where nginx is installed (`apt-get install nginx`); elsewhere crossplane's
    checks of every directive's name, context and argument count."""
    if shutil.which("nginx"):
        result = subprocess.run(
            ["nginx", "-t", "-c", str(main), "-p", str(main.parent)],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        return result.returncode == 0 and "test is successful" in result.stderr, result.stderr
    # Blocks of free-form entries (map, types) are not directives: crossplane skips them.
    parsed = crossplane.parse(
        str(main), strict=True, check_ctx=True, check_args=True, ignore=("map", "types")
    )
    return parsed["status"] == "ok", json.dumps(parsed["errors"])


def test_the_site_config_is_valid_nginx(tmp_path):
    valid, output = check(wrapper(tmp_path))
    assert valid, output
    # A broken one is refused, so the check means something.
    broken = tmp_path / "broken.conf"
    broken.write_text(CONF.read_text().replace("limit_req zone=shop_auth", "limit_reqq zone=x"))
    valid, output = check(wrapper(tmp_path, broken))
    assert not valid and "limit_reqq" in output


def site() -> list[dict]:
    """The directives of shop.conf, parsed by crossplane in nginx's http context."""
    parsed = crossplane.parse(str(CONF), single=True, check_ctx=False, comments=False)
    assert parsed["status"] == "ok", parsed["errors"]
    return parsed["config"][0]["parsed"]


def find(block: list[dict], name: str) -> list[dict]:
    return [d for d in block if d["directive"] == name]


def one(block: list[dict], name: str) -> list[str]:
    (directive,) = find(block, name)
    return directive["args"]


def server() -> list[dict]:
    (block,) = find(site(), "server")
    return block["block"]


def size_in_bytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def test_the_body_limit_is_the_apps_upload_limit():
    assert size_in_bytes(one(server(), "client_max_body_size")[0]) == (
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )


def test_proxy_headers_match_the_proxy_settings_of_the_deployments():
    headers = {d["args"][0]: d["args"][1] for d in find(server(), "proxy_set_header")}
    # nginx appends the client's address and sets the scheme itself; so the app trusts one
    # proxy's X-Forwarded-For entry and the X-Forwarded-Proto header, in every deployment.
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["Host"] == "$host"
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    config_map = yaml.safe_load((ROOT / "deploy" / "k8s" / "configmap.yaml").read_text())
    for env in (compose["x-app"]["environment"], config_map["data"]):
        assert env["NUM_PROXIES"] == "1"
        assert env["TRUST_PROXY_SSL_HEADER"] == "1"


def locations() -> list[tuple[list[str], list[dict]]]:
    return [(d["args"], d["block"]) for d in find(server(), "location")]


def matching_location(path: str) -> list[dict]:
    """The location nginx picks for `path`: an exact match, else the first matching regex,
    else the longest prefix (enough for this file: no ^~ locations)."""
    found = locations()
    for args, block in found:
        if args[0] == "=" and args[1] == path:
            return block
    for args, block in found:
        if args[0] in ("~", "~*") and re.search(args[1], path, re.I if args[0] == "~*" else 0):
            return block
    prefixes = [(args[0], block) for args, block in found if len(args) == 1]
    return max((p for p in prefixes if path.startswith(p[0])), key=lambda p: len(p[0]))[1]


def zone_of(path: str) -> str | None:
    limits = find(matching_location(path), "limit_req")
    return limits[0]["args"][0].removeprefix("zone=") if limits else None


@pytest.mark.parametrize(
    ("path", "zone"),
    [
        ("/api/v1/auth/login", "shop_auth"),
        ("/api/v1/auth/register/", "shop_auth"),
        ("/api/v1/auth/password-reset", "shop_auth"),
        ("/api/v1/auth/password-reset/confirm", "shop_auth"),
        ("/api/v1/cart/coupon", "shop_auth"),
        ("/api/v1/cart/items", "shop_cart"),
        ("/api/v1/cart", "shop_cart"),
        ("/api/v1/checkout", "shop_checkout"),
        ("/api/v1/checkout/preview", "shop_checkout"),
        ("/api/v1/products", None),
        ("/api/v1/cartoons", None),
    ],
)
def test_rate_limits_cover_auth_coupon_cart_and_checkout_paths(path, zone):
    assert zone_of(path) == zone
    zones = {d["args"][0].split(":")[0].removeprefix("zone=") for d in find(site(), "limit_req")}
    defined = {
        arg.removeprefix("zone=").split(":")[0]
        for d in find(site(), "limit_req_zone")
        for arg in d["args"]
        if arg.startswith("zone=")
    }
    assert zones <= defined
    assert one(site(), "limit_req_status") == ["429"]


@pytest.mark.parametrize(
    "path", ["/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/cart/coupon"]
)
def test_the_limited_paths_are_the_apps_paths(path):
    assert resolve(path).url_name


def test_static_media_metrics_and_compression():
    assert one(matching_location("/static/admin/css/base.css"), "alias") == ["/srv/shop/static/"]
    media = matching_location("/media/products/1.jpg")
    assert one(media, "alias") == ["/srv/shop/media/"]
    assert one(matching_location("/metrics"), "return") == ["404"]
    assert one(server(), "gzip") == ["on"]
    assert "application/json" in one(server(), "gzip_types")
    # Timeouts: nginx waits as long as gunicorn lets a worker run, not longer.
    gunicorn_conf = (ROOT / "deploy" / "gunicorn.conf.py").read_text()
    timeout = re.search(r'GUNICORN_TIMEOUT", "(\d+)"', gunicorn_conf).group(1)
    assert one(server(), "proxy_read_timeout") == [f"{timeout}s"]
    assert one(matching_location("/api/v1/products"), "proxy_pass") == ["http://shop_app"]


def test_errors_nginx_answers_itself_use_the_api_error_body():
    pages = {d["args"][-1]: d["args"][:-1] for d in find(server(), "error_page")}
    assert set(pages) == {"@throttled", "@too_large", "@unavailable"}
    for args, block in locations():
        if args[0].startswith("@"):
            status, body = one(block, "return")
            error = json.loads(body)["error"]
            assert set(error) == {"code", "message", "details"}
            assert error["details"] == {}
            assert one(block, "default_type") == ["application/json"]
