"""``Cmd`` and ``StateMatrix``, with msticpy's behaviour (msticpy is MIT, © Microsoft)."""

from __future__ import annotations

from typing import Any

from ....common.exceptions import MsticpyException


class StateMatrix(dict):
    """Trained counts or probabilities: a dict (or a dict of dicts) in which a key
    that was never seen reads as the ``unk_token`` key."""

    def __init__(self, states: dict, unk_token: str):
        super().__init__(states)
        if unk_token not in states:
            raise MsticpyException("`unk_token` should be a key in `states`")
        self.states = dict(states)
        self.unk_token = unk_token
        for key, val in self.states.items():
            if isinstance(val, dict):
                self.states[key] = StateMatrix(self.states[key], unk_token)

    def __getitem__(self, item: Any) -> Any:
        """The value of ``item``, or that of the ``unk_token`` when ``item`` was never seen."""
        if item not in self.states:
            return self.states[self.unk_token]
        return self.states[item]


class Cmd:
    """A command with its parameters: a set of names, or a dict of names to values."""

    def __init__(self, name: str, params: set | dict):
        self.name = name
        self.params = params

    def __str__(self) -> str:
        return f"Cmd(name='{self.name}', params={self.params})"

    def __repr__(self) -> str:
        return str(self)
