"""docs/plugins.md documents every hook spec with its exact signature."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from laurel.plugins import hookspecs

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def spec_functions() -> dict[str, object]:
    return {
        name: function
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, "laurel_spec")
    }


def documented_functions() -> dict[str, ast.FunctionDef]:
    """Return the hook signatures in the page's "Hook reference" section."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("\n## Hook reference\n", 1)[1].split("\n## ", 1)[0]
    functions: dict[str, ast.FunctionDef] = {}
    for block in CODE_BLOCK.findall(section):
        for node in ast.parse(block).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("laurel_"):
                assert node.name not in functions, f"{node.name} documented twice"
                functions[node.name] = node
    return functions


def normalise(annotation: str | None) -> str | None:
    if annotation is None:
        return None
    return ast.unparse(ast.parse(annotation, mode="eval"))


def spec_signature(function: object) -> list[tuple[str, str, str | None]]:
    """Return (name, kind, annotation) per parameter, then the return type."""
    signature = inspect.signature(function)
    rows = [
        (name, parameter.kind.name, normalise(parameter.annotation))
        for name, parameter in signature.parameters.items()
    ]
    rows.append(("return", "", normalise(signature.return_annotation)))
    return rows


def documented_signature(node: ast.FunctionDef) -> list[tuple[str, str, str | None]]:
    args = node.args
    assert not (args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs)
    rows = [
        (arg.arg, "POSITIONAL_OR_KEYWORD", ast.unparse(arg.annotation))
        for arg in args.args
    ]
    returns = ast.unparse(node.returns) if node.returns else None
    rows.append(("return", "", returns))
    return rows


def documented_firstresult(node: ast.FunctionDef) -> bool:
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "firstresult":
                    return bool(ast.literal_eval(keyword.value))
    return False


def test_every_spec_is_documented() -> None:
    missing = sorted(set(spec_functions()) - set(documented_functions()))
    assert not missing, f"hooks missing from docs/plugins.md: {missing}"


def test_no_unknown_hook_documented() -> None:
    unknown = sorted(set(documented_functions()) - set(spec_functions()))
    assert not unknown, f"docs/plugins.md documents hooks with no spec: {unknown}"


@pytest.mark.parametrize("name", sorted(spec_functions()))
def test_documented_signature_matches(name: str) -> None:
    node = documented_functions().get(name)
    assert node is not None, f"{name} is missing from docs/plugins.md"
    assert documented_signature(node) == spec_signature(spec_functions()[name])


@pytest.mark.parametrize("name", sorted(spec_functions()))
def test_documented_firstresult_matches(name: str) -> None:
    node = documented_functions()[name]
    expected = spec_functions()[name].laurel_spec["firstresult"]
    assert documented_firstresult(node) is expected


@pytest.mark.parametrize("name", sorted(spec_functions()))
def test_spec_docstring_covers_arguments(name: str) -> None:
    function = spec_functions()[name]
    docstring = inspect.getdoc(function) or ""
    for argument in inspect.signature(function).parameters:
        assert f"{argument}:" in docstring or f"``{argument}``" in docstring, argument
    assert "Returns" in docstring or "return values are ignored" in docstring
    assert "firstresult" in docstring.lower()


def test_signature_check_catches_drift() -> None:
    node = ast.parse("def laurel_balance(org: int) -> int | None: ...").body[0]
    spec = spec_signature(spec_functions()["laurel_balance"])
    assert documented_signature(node) != spec
