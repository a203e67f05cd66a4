"""What a person typed into a form whose launch session had ended.

A mentor may write feedback for a long time before saving, and a learner
may write their text evidence in one sitting. When the session has ended by
the time the form arrives, nothing is saved, but the refusal page shows the
typed text back, read-only, so it can be copied before the activity is
opened again from the course. Views opt in with ``keeps_typed``, naming the
fields worth showing; passwords, levels and hidden fields never are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from werkzeug.datastructures import MultiDict

View = TypeVar("View", bound=Callable[..., object])

_MARK = "pathmark_typed_fields"


@dataclass(frozen=True)
class TypedField:
    name: str
    label: str
    text: str


def keeps_typed(labels: Mapping[str, str]) -> Callable[[View], View]:
    """Mark a view whose typed fields are shown back if its session ended.

    ``labels`` maps a field name to its label; a name ending in ``-`` is a
    prefix, and ``{}`` in its label takes the rest of the field's name.
    """

    def mark(view: View) -> View:
        setattr(view, _MARK, dict(labels))
        return view

    return mark


def typed_fields(view: object, form: MultiDict[str, str]) -> list[TypedField]:
    """The non-empty fields ``view`` keeps, in the order the form sent them."""
    labels: dict[str, str] = getattr(view, _MARK, {})
    kept = []
    for name, text in form.items(multi=True):
        label = _label(labels, name)
        if label is not None and text.strip():
            kept.append(TypedField(name=name, label=label, text=text))
    return kept


def _label(labels: dict[str, str], name: str) -> str | None:
    for key, label in labels.items():
        if not key.endswith("-"):
            if name == key:
                return label
        elif name.startswith(key) and name != key:
            return label.format(name[len(key) :])
    return None
