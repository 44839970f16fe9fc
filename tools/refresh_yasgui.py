#!/usr/bin/env python3
"""Refresh the vendored YASGUI browser build from the npm registry.

Meant to live at ``tools/refresh_yasgui.py`` in the repository. It fetches
``<package>@<version>`` with ``npm pack`` into a temporary directory, checks the
tarball against the integrity npm reports (and against the one recorded in the
existing VENDOR.json when the version is unchanged), and copies exactly the
runtime files into the destination directory:

* ``yasgui.min.js``  - the UMD bundle (defines the global ``Yasgui``)
* ``yasgui.min.css`` - the stylesheet
* any file the CSS references with a relative ``url(...)`` (none in 4.6.x)
* ``LICENSE``        - the package's licence file (see LICENSE_FALLBACK)
* ``VENDOR.json``    - package, version, licence, sha256 of every file, source
  and npm ``dist.integrity``

Source maps, ESM build and .d.ts files are deliberately not copied.

Standard library only; the sole external program is ``npm``.

Examples (from the repository root)::

    python tools/refresh_yasgui.py                    # re-fetch the version in VENDOR.json
    python tools/refresh_yasgui.py --version 4.6.2    # pin another version
    python tools/refresh_yasgui.py --version latest   # newest published version
    python tools/refresh_yasgui.py --check            # offline: verify checksums only
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

DEFAULT_PACKAGE = "@zazuko/yasgui"
# Runtime files, as paths inside the npm tarball (under its "package/" root).
RUNTIME_FILES = ("build/yasgui.min.js", "build/yasgui.min.css")
LICENSE_NAMES = (
    "LICENSE",
    "LICENSE.md",
    "LICENSE.txt",
    "LICENCE",
    "LICENCE.md",
    "LICENCE.txt",
    "license",
    "license.md",
    "license.txt",
)
# @zazuko/yasgui 4.6.x ships no licence file in its tarball (package.json says
# "MIT"). It is a fork of @triply/yasgui, whose tarball does carry the MIT text,
# so in that case the licence text is taken from this pinned upstream tarball.
LICENSE_FALLBACK = {
    "spec": "@triply/yasgui@4.2.28",
    "path": "LICENSE.txt",
    "integrity": "sha512-HN1neZqERSGoDyk/Fg40nI+F0tHnaBxjqizhN0mur2Kj0oJsklBsFMRk/M+wW+ohy8dSEn7AgX3H0pPrV/wmVg==",
}
VENDOR_JSON = "VENDOR.json"
CSS_URL_RE = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""", re.IGNORECASE)


class RefreshError(Exception):
    pass


def repo_root() -> Path:
    # tools/refresh_yasgui.py -> repository root is the parent of tools/
    return Path(__file__).resolve().parent.parent


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sri_sha512(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def find_npm() -> str:
    npm = shutil.which("npm")
    if not npm:
        raise RefreshError(
            "npm was not found on PATH. This script needs npm to download the package "
            "from the npm registry (install Node.js/npm, e.g. 'apt-get install npm'). "
            "Use --check to verify the vendored files without npm."
        )
    return npm


def run_npm(npm: str, args: list[str], cwd: Path) -> str:
    cmd = [npm, *args]
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise RefreshError(f"could not run {' '.join(cmd)}: {exc}") from exc
    if proc.returncode != 0:
        raise RefreshError(
            f"'{' '.join(['npm', *args])}' failed with exit code {proc.returncode}:\n"
            f"{proc.stderr.strip() or proc.stdout.strip()}"
        )
    return proc.stdout


def npm_pack(npm: str, spec: str, workdir: Path) -> tuple[Path, dict]:
    """Run `npm pack <spec>` in workdir; return (tarball path, npm's metadata)."""
    out = run_npm(npm, ["pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(workdir)], cwd=workdir)
    try:
        meta = json.loads(out)[0]
    except (ValueError, IndexError, KeyError) as exc:
        raise RefreshError(f"unexpected output from 'npm pack {spec} --json': {out[:500]!r}") from exc
    tgz = workdir / meta["filename"]
    if not tgz.is_file():
        raise RefreshError(f"npm pack reported {meta['filename']} but it is not in {workdir}")
    return tgz, meta


def check_integrity(tgz: Path, expected: str | None, what: str) -> str:
    actual = sri_sha512(tgz.read_bytes())
    if expected and expected != actual:
        raise RefreshError(f"integrity mismatch for {what}: expected {expected}, got {actual}")
    return actual


def read_member(tar: tarfile.TarFile, path: str) -> bytes:
    name = "package/" + path
    try:
        info = tar.getmember(name)
    except KeyError:
        raise RefreshError(f"{name} is not in the tarball") from None
    if not info.isfile():
        raise RefreshError(f"{name} in the tarball is not a regular file")
    fh = tar.extractfile(info)
    assert fh is not None
    return fh.read()


def css_relative_assets(css: str, css_path: str, members: set[str]) -> list[str]:
    """Paths (inside the package) of local files referenced by url(...) in the CSS."""
    assets = []
    base = PurePosixPath(css_path).parent
    for _, ref in CSS_URL_RE.findall(css):
        ref = ref.strip()
        if re.match(r"^(data:|https?:|//|#|about:)", ref, re.IGNORECASE):
            continue
        ref = ref.split("?", 1)[0].split("#", 1)[0]
        parts = []
        for part in (base / ref).parts:
            if part == "..":
                if not parts:
                    raise RefreshError(f"CSS url({ref}) points outside the package")
                parts.pop()
            elif part != ".":
                parts.append(part)
        resolved = "/".join(parts)
        if "package/" + resolved not in members:
            raise RefreshError(f"CSS references {ref} ({resolved}) which is not in the tarball")
        if resolved not in assets:
            assets.append(resolved)
    return assets


def load_vendor_json(dest: Path) -> dict | None:
    path = dest / VENDOR_JSON
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RefreshError(f"{path} is not valid JSON: {exc}") from exc


def collect(
    npm: str, package: str, version: str, known_integrity: str | None, workdir: Path
) -> tuple[dict[str, bytes], dict]:
    """Fetch the package and return ({dest name: bytes}, VENDOR.json dict)."""
    tgz, meta = npm_pack(npm, f"{package}@{version}", workdir)
    if meta.get("name") != package or meta.get("version") != version:
        raise RefreshError(f"npm pack returned {meta.get('name')}@{meta.get('version')}, expected {package}@{version}")
    integrity = check_integrity(tgz, meta.get("integrity"), f"{package}@{version}")
    if known_integrity:
        check_integrity(tgz, known_integrity, f"{package}@{version} (value recorded in {VENDOR_JSON})")

    files: dict[str, bytes] = {}
    with tarfile.open(tgz, "r:gz") as tar:
        members = set(tar.getnames())
        pkg_json = json.loads(read_member(tar, "package.json"))
        for path in RUNTIME_FILES:
            files[PurePosixPath(path).name] = read_member(tar, path)
            if path.endswith(".css"):
                css = files[PurePosixPath(path).name].decode("utf-8")
                for asset in css_relative_assets(css, path, members):
                    # keep the asset's path relative to the CSS file's directory
                    rel = os.path.relpath(asset, PurePosixPath(path).parent.as_posix())
                    files[PurePosixPath(rel).as_posix()] = read_member(tar, asset)
        license_file = next((n for n in LICENSE_NAMES if "package/" + n in members), None)
        license_note = None
        if license_file:
            files["LICENSE"] = read_member(tar, license_file)

    if not license_file:
        fb_dir = workdir / "license-fallback"
        fb_dir.mkdir()
        fb_tgz, _ = npm_pack(npm, LICENSE_FALLBACK["spec"], fb_dir)
        check_integrity(fb_tgz, LICENSE_FALLBACK["integrity"], LICENSE_FALLBACK["spec"])
        with tarfile.open(fb_tgz, "r:gz") as tar:
            files["LICENSE"] = read_member(tar, LICENSE_FALLBACK["path"])
        license_note = (
            f"{package}@{version} ships no licence file; LICENSE is "
            f"{LICENSE_FALLBACK['path']} from npm registry tarball "
            f"{LICENSE_FALLBACK['spec']} (the upstream it is forked from)"
        )

    vendor = {
        "package": package,
        "version": version,
        "license": pkg_json.get("license"),
        "files": {name: sha256_hex(files[name]) for name in sorted(files)},
        "source": f"npm registry tarball {package}@{version}",
        "integrity": integrity,
    }
    if license_note:
        vendor["license_file_note"] = license_note
    return files, vendor


def write_dest(dest: Path, files: dict[str, bytes], vendor: dict, old: dict | None) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    # Remove files that the previous VENDOR.json listed but this version no longer has.
    if old and isinstance(old.get("files"), dict):
        for name in old["files"]:
            if name not in files:
                stale = (dest / name).resolve()
                if dest.resolve() in stale.parents and stale.is_file():
                    stale.unlink()
                    print(f"removed stale {name}")
    for name, data in files.items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    text = json.dumps(vendor, indent=2, ensure_ascii=False) + "\n"
    tmp = dest / (VENDOR_JSON + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, dest / VENDOR_JSON)


def check_dest(dest: Path) -> int:
    vendor = load_vendor_json(dest)
    if vendor is None:
        raise RefreshError(f"no {VENDOR_JSON} in {dest}")
    bad = 0
    for name, digest in vendor.get("files", {}).items():
        path = dest / name
        if not path.is_file():
            print(f"MISSING  {name}")
            bad += 1
        elif sha256_hex(path.read_bytes()) != digest:
            print(f"CHANGED  {name}")
            bad += 1
        else:
            print(f"ok       {name}")
    if bad:
        print(f"{bad} file(s) differ from {dest / VENDOR_JSON}", file=sys.stderr)
        return 1
    print(f"{vendor['package']}@{vendor['version']}: all files match {VENDOR_JSON}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--dest",
        type=Path,
        default=repo_root() / "server" / "static" / "vendor" / "yasgui",
        help="target directory (default: <repo>/server/static/vendor/yasgui)",
    )
    ap.add_argument("--version", help="version to fetch, or 'latest' (default: the version in <dest>/VENDOR.json)")
    ap.add_argument("--package", help=f"npm package name (default: from VENDOR.json, else {DEFAULT_PACKAGE})")
    ap.add_argument(
        "--check", action="store_true", help="do not download; verify <dest> against its VENDOR.json checksums"
    )
    args = ap.parse_args(argv)
    dest: Path = args.dest

    try:
        if args.check:
            return check_dest(dest)

        old = load_vendor_json(dest)
        package = args.package or (old or {}).get("package") or DEFAULT_PACKAGE
        version = args.version
        if not version and old and old.get("package") == package:
            version = old.get("version")
        if not version:
            raise RefreshError(
                f"no version given and no usable {dest / VENDOR_JSON}; pass --version X.Y.Z (or --version latest)"
            )
        npm = find_npm()
        with tempfile.TemporaryDirectory(prefix="refresh-yasgui-") as tmp:
            workdir = Path(tmp)
            if version == "latest":
                version = run_npm(npm, ["view", f"{package}@latest", "version"], cwd=workdir).strip()
                print(f"latest {package} is {version}")
            known = None
            if old and old.get("package") == package and old.get("version") == version:
                known = old.get("integrity")
            files, vendor = collect(npm, package, version, known, workdir)
        write_dest(dest, files, vendor, old)
    except RefreshError as exc:
        print(f"refresh_yasgui: error: {exc}", file=sys.stderr)
        return 1

    print(f"vendored {vendor['package']}@{vendor['version']} ({vendor['license']}) into {dest}")
    for name, digest in vendor["files"].items():
        print(f"  {name:20} {(dest / name).stat().st_size:>9} bytes  sha256 {digest}")
    if "license_file_note" in vendor:
        print(f"  note: {vendor['license_file_note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
