"""The documentation stays true to the tree: every relative link in README.md and docs/ resolves
(files and heading anchors), and every setting formbridge/settings.py reads from the environment
is documented in docs/configuration.md."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
ENV_READERS = {"bool", "str", "int", "float", "list", "db", "email_url", "json", "dict", "url", "path"}


def heading_anchors(markdown: str) -> set[str]:
    """GitHub's anchors: each heading lowercased, punctuation but '-' and '_' dropped, spaces to
    '-', a repeated heading numbered -1, -2, ..."""
    anchors, seen = set(), {}
    in_code = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if in_code or not re.match(r"#{1,6}\s", line):
            continue
        text = re.sub(r"`|\*\*|__", "", line.lstrip("#").strip())
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def relative_links(markdown: str) -> list[str]:
    without_code = re.sub(r"```.*?```", "", markdown, flags=re.S)
    return [target for target in LINK.findall(without_code)
            if not re.match(r"[a-z][a-z0-9+.-]*:", target)]  # http:, https:, mailto: ...


def broken_links(document: Path) -> list[str]:
    broken = []
    for target in relative_links(document.read_text()):
        path_part, _, anchor = target.partition("#")
        resolved = (document.parent / path_part).resolve() if path_part else document
        if not resolved.exists():
            broken.append(f"{document.name}: {target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in heading_anchors(resolved.read_text()):
            broken.append(f"{document.name}: {target} (no such heading)")
    return broken


def settings_read_from_environment(source: str) -> set[str]:
    """The variable names formbridge/settings.py reads: env("X"), env.int("X"), env.list("X") ...,
    os.environ.get("X"), and helpers of its own that read the environment: _on_off("X")."""
    tree = ast.parse(source)
    helpers = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
               and re.search(r"\benv[.(]|environ", ast.unparse(node))}
    names = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id == "env") or (
                isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
                and func.attr in ENV_READERS):
            names.add(node.args[0].value)
        elif isinstance(func, ast.Name) and func.id in helpers:
            names.add(node.args[0].value)
        elif isinstance(func, ast.Attribute) and func.attr in {"get", "getenv"} and isinstance(node.args[0].value, str) \
                and re.fullmatch(r"[A-Z][A-Z0-9_]+", node.args[0].value) and "environ" in ast.unparse(func.value):
            names.add(node.args[0].value)
    return names


def test_the_readme_is_a_front_door():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 160
    assert len(DOCUMENTS) > 10


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_relative_link_resolves(document):
    assert broken_links(document) == []


def test_every_setting_is_documented_in_configuration():
    read = settings_read_from_environment((ROOT / "formbridge" / "settings.py").read_text())
    assert {"DJANGO_SECRET_KEY", "FILES_S3_BUCKET", "DYNAMODB_PITR"} <= read
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs" / "configuration.md").read_text()))
    assert sorted(read - documented) == []


def test_the_link_check_finds_a_missing_file_and_a_missing_heading(tmp_path):
    (tmp_path / "other.md").write_text("# Other\n## Running on AWS\n")
    page = tmp_path / "page.md"
    page.write_text("[ok](other.md#running-on-aws) [site](https://example.com) [gone](missing.md)\n"
                    "[bad](other.md#nowhere) [self](#top)\n# Top\n```\n[in code](nowhere.md)\n```\n")
    assert broken_links(page) == ["page.md: missing.md (no such file)", "page.md: other.md#nowhere (no such heading)"]


def test_the_settings_check_finds_every_way_of_reading():
    source = ('A = env.bool("ONE", default=False)\nB = env("TWO")\nC = os.environ.get("THREE")\nD = other.get("x")\n'
              'def _flag(name):\n    return env.str(name, default="")\nE = _flag("FOUR")\nF = str("FIVE")\n')
    assert settings_read_from_environment(source) == {"ONE", "TWO", "THREE", "FOUR"}


def test_operators_are_told_what_is_not_durable_and_what_is_secret():
    configuration = " ".join((ROOT / "docs" / "configuration.md").read_text().split())
    assert "`make run`'s store" in configuration and "for development only, not a durable database" in configuration
    assert "never on DynamoDB Local" in configuration
    operations = " ".join((ROOT / "docs" / "operations.md").read_text().split())
    assert "A backup is a secret." in operations and "`0600` in folders `0700`" in operations
    assert "`--include-ephemeral`" in operations
