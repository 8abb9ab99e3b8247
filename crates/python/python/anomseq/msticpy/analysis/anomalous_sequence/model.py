"""msticpy's ``Model``: the same constructor, methods and attributes, computed by
anomseq's Rust model (bit for bit msticpy's numbers)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from ...._anomseq import AnomseqError, SessionModel
from ...common.exceptions import MsticpyException
from .utils.data_structures import Cmd, StateMatrix

__all__ = ["Model", "SessionType"]


class SessionType:
    """The types of accepted sessions."""

    cmds_only = "cmds_only"
    cmds_params_only = "cmds_params_only"
    cmds_params_values = "cmds_params_values"


def _is_cmd(cmd: Any) -> bool:
    return "name" in dir(cmd) and "params" in dir(cmd)


def _text(item: Any) -> str:
    """A name as the Rust model reads it: a ``str`` as it is, anything else by ``str()``."""
    return item if isinstance(item, str) else str(item)


def _value_text(item: Any) -> str:
    """A parameter's value as the Rust model reads it: as :func:`_text`, ``None`` as ``""``."""
    return "" if item is None else _text(item)


def _counts(pairs: list | None, nested: bool) -> Any:
    """A table of counts, as msticpy's ``defaultdict``s."""
    if pairs is None:
        return None
    if nested:
        out = defaultdict(lambda: defaultdict(lambda: 0))
        for key, row in pairs:
            out[key] = defaultdict(lambda: 0, dict(row))
        return out
    return defaultdict(lambda: 0, dict(pairs))


def _probs(pairs: list | None, nested: bool, unk: str) -> Any:
    """A table of probabilities, as msticpy's ``StateMatrix``."""
    if pairs is None:
        return None
    if nested:
        return StateMatrix({key: dict(row) for key, row in pairs}, unk)
    return StateMatrix(dict(pairs), unk)


class Model:
    """Models sessions as a first-order Markov chain over commands, with optional
    parameters (Bernoulli presence per command) and values (categorical per
    parameter), Laplace-smoothed with an ``##UNK##`` token (msticpy's ``Model``)."""

    def __init__(self, sessions: list[list[str | Cmd]], modellable_params: set | None = None):
        # the sessions are read and checked in Rust, with msticpy's messages
        given = None if modellable_params is None else sorted(str(p) for p in modellable_params)
        try:
            self._engine = SessionModel(sessions, given)
        except AnomseqError as e:
            raise MsticpyException(str(e)) from e
        self.start_token = "##START##"  # nosec B105
        self.end_token = "##END##"  # nosec B105
        self.unk_token = "##UNK##"  # nosec B105
        self.sessions = sessions
        self.session_type: str | None = None
        self._asses_input()

        self._seq1_counts = None
        self._seq2_counts = None
        self._param_counts = None
        self._cmd_param_counts = None
        self._value_counts = None
        self._param_value_counts = None
        self.seq1_counts = None
        self.seq2_counts = None
        self.param_counts = None
        self.cmd_param_counts = None
        self.value_counts = None
        self.param_value_counts = None
        self.modellable_params = modellable_params
        self.prior_probs = None
        self.trans_probs = None
        self.param_probs = None
        self.param_cond_cmd_probs = None
        self.value_probs = None
        self.value_cond_param_probs = None
        self.set_params_cond_cmd_probs: dict[str, dict[str, float]] = {}
        self.session_likelihoods = None
        self.session_geomean_likelihoods = None
        self.rare_windows: dict[int, list] = {}
        self.rare_window_likelihoods: dict[int, list] = {}
        self.rare_windows_geo: dict[int, list] = {}
        self.rare_window_likelihoods_geo: dict[int, list] = {}

    def train(self):
        """Compute the counts and probabilities of the commands (and the params and
        values, where the sessions have them)."""
        self._engine.train()
        raw = json.loads(self._engine.raw_counts_json())
        smooth = json.loads(self._engine.smoothed_counts_json())
        probs = json.loads(self._engine.probs_json())
        unk = self.unk_token
        for prefix, counts in (("_", raw), ("", smooth)):
            setattr(self, f"{prefix}seq1_counts", _counts(counts["seq1_counts"], False))
            setattr(self, f"{prefix}seq2_counts", _counts(counts["seq2_counts"], True))
            setattr(self, f"{prefix}param_counts", _counts(counts["param_counts"], False))
            setattr(self, f"{prefix}cmd_param_counts", _counts(counts["cmd_param_counts"], True))
            setattr(self, f"{prefix}value_counts", _counts(counts["value_counts"], False))
            setattr(self, f"{prefix}param_value_counts", _counts(counts["param_value_counts"], True))
        self.prior_probs = _probs(probs["prior_probs"], False, unk)
        self.trans_probs = _probs(probs["trans_probs"], True, unk)
        self.param_probs = _probs(probs["param_probs"], False, unk)
        self.param_cond_cmd_probs = _probs(probs["param_cond_cmd_probs"], True, unk)
        self.value_probs = _probs(probs["value_probs"], False, unk)
        self.value_cond_param_probs = _probs(probs["value_cond_param_probs"], True, unk)
        if self.session_type == SessionType.cmds_params_values and self.modellable_params is None:
            self.modellable_params = set(self._engine.modellable_params())

    def _check_trained(self):
        if self.prior_probs is None:
            raise MsticpyException("please train the model first before using this method")

    def compute_scores(self, use_start_end_tokens: bool):
        """Session likelihoods, their geometric means, and the rarest windows of
        lengths 2 and 3."""
        self._check_trained()
        self.compute_likelihoods_of_sessions(use_start_end_tokens=use_start_end_tokens)
        self.compute_geomean_lik_of_sessions()
        self.compute_rarest_windows(window_len=2, use_geo_mean=False, use_start_end_tokens=use_start_end_tokens)
        self.compute_rarest_windows(window_len=3, use_geo_mean=False, use_start_end_tokens=use_start_end_tokens)

    def compute_setof_params_cond_cmd(self, use_geo_mean: bool):
        """The probability of each set of parameters (and modelled values) given its
        command, for every event: ``set_params_cond_cmd_probs[cmd][tuple(params)]``."""
        self._check_trained()
        if self.session_type is None:
            raise MsticpyException("session_type attribute should not be None")
        if self.session_type == SessionType.cmds_only:
            raise MsticpyException('this method is not available for your type of input data "sessions"')
        table = {cmd: {tuple(k): p for k, p in sets} for cmd, sets in json.loads(
            self._engine.setof_params_cond_cmd_json(use_geo_mean)
        )}
        result: Any = defaultdict(lambda: defaultdict(lambda: 0))
        for ses in self.sessions:
            for cmd in ses:
                # the key as msticpy builds it (set order), the look-up as Rust reads the names
                if self.session_type == SessionType.cmds_params_only:
                    key = tuple(cmd.params)
                    sorted_key = tuple(sorted(_text(p) for p in cmd.params))
                else:
                    pars = set(cmd.params.keys())
                    modelled = pars.intersection(self.modellable_params)
                    keys, texts = set(), []
                    for par in pars:
                        if par in modelled:
                            keys.add(f"{par} --- {cmd.params[par]}")
                            texts.append(f"{_text(par)} --- {_value_text(cmd.params[par])}")
                        else:
                            keys.add(par)
                            texts.append(_text(par))
                    key = tuple(keys)
                    sorted_key = tuple(sorted(set(texts)))
                result[cmd.name][key] = table[_text(cmd.name)][sorted_key]
        self.set_params_cond_cmd_probs = result

    def compute_likelihoods_of_sessions(self, use_start_end_tokens: bool = True):
        """The likelihood of each session (``session_likelihoods``)."""
        self._check_trained()
        self.session_likelihoods = self._engine.session_likelihoods(use_start_end_tokens)

    def compute_geomean_lik_of_sessions(self):
        """Each session likelihood raised to ``1 / len`` (``session_geomean_likelihoods``)."""
        if self.session_likelihoods is None:
            self.compute_likelihoods_of_sessions()
        self.session_geomean_likelihoods = self._engine.geomean_likelihoods(list(self.session_likelihoods))

    def compute_rarest_windows(self, window_len: int, use_start_end_tokens: bool = True, use_geo_mean: bool = False):
        """The rarest window of each session and its likelihood (``rare_windows``,
        ``rare_window_likelihoods``, or their ``_geo`` forms), by window length."""
        self._check_trained()
        if isinstance(window_len, bool) or not isinstance(window_len, int) or window_len < 1:
            raise MsticpyException(f"`window_len` should be a whole number of at least 1, got {window_len!r}")
        rare = self._engine.rarest_windows(window_len, use_start_end_tokens, use_geo_mean)
        windows = [ses[start : start + n] if start is not None else [] for ses, (start, n, _) in zip(self.sessions, rare)]
        liks = [lik for _, _, lik in rare]
        if use_geo_mean:
            self.rare_windows_geo[window_len] = windows
            self.rare_window_likelihoods_geo[window_len] = liks
        else:
            self.rare_windows[window_len] = windows
            self.rare_window_likelihoods[window_len] = liks

    def _asses_input(self):
        """Whether the sessions are lists of strings, or of ``Cmd`` with set or dict params."""
        cmd = self.sessions[0][0]
        if isinstance(cmd, str):
            self.session_type = SessionType.cmds_only
        elif _is_cmd(cmd):
            if isinstance(cmd.params, set):
                self.session_type = SessionType.cmds_params_only
            elif isinstance(cmd.params, dict):
                self.session_type = SessionType.cmds_params_values
            else:
                raise MsticpyException("Params attribute of Cmd data structure should be either a set or a dict")
        else:
            raise MsticpyException("Each element of 'sessions' should be a list of either strings, or Cmd data types")
