"""Run a function once and record what a replay of it must know, or why it cannot be replayed.

A replay recomputes the recorded graph from new numbers, so it is only right
when the function's Python did not look at the numbers in a way the graph
does not show. While a function is traced:

- every comparison of Values is recorded (through `engine._comparison_hook`),
  to be checked again on every replay;
- `Value.data` is watched: the engine's own code reads and writes it to
  compute nodes, which the graph records; any other read or write of a
  Value's data (`x.data > 0`, `Value(x.data * 2)`, a backward pass, an update
  of a parameter) makes a number the graph cannot recompute, and the trace is
  refused with the place where it happened;
- every Value the engine creates is noted, with whether recording was on:
  Values that existed before the call are the function's captured inputs
  (model parameters), those created inside no_grad() are leaves whose data
  the graph does not explain.

Watching `.data` swaps the class attribute `Value.data` (a slot) for a
property while at least one thread traces; other threads keep working, a
little slower, and are not recorded.
"""

import sys
import threading
from contextlib import contextmanager

from micrograd import engine, grad_mode
from micrograd.engine import Value

__all__ = ['Recorder', 'recording', 'is_tracing']

_ENGINE_GLOBALS = vars(engine)
_DATA_SLOT = Value.__dict__['data']
_install_lock = threading.Lock()
_tracing_threads = 0


class _ThreadState(threading.local):
    recorder = None


_state = _ThreadState()


class Recorder:
    """What one traced call did, as seen from the engine."""

    def __init__(self):
        self.created = []  # every Value the engine made during the call (holding them keeps ids unique)
        self.made_without_grad = set()  # those made while recording was off (inside no_grad)
        self.comparisons = []  # (symbol, a, b, result) for every comparison of Values
        self.touches = []  # ('read' or 'wrote', Value, 'file:line in function') outside the engine


def is_tracing():
    """True while this thread traces a function (a compiled function called then runs its Python directly)."""
    return _state.recorder is not None


def _where(frame):
    code = frame.f_code
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"


def _read_data(value, _state=_state, _caller=sys._getframe, _engine=_ENGINE_GLOBALS, _get=_DATA_SLOT.__get__):
    # Runs for every read of .data while a thread traces: the defaults spare global lookups.
    if _state.recorder is not None and _caller(1).f_globals is not _engine:
        _state.recorder.touches.append(('read', value, _where(_caller(1))))
    return _get(value, Value)


def _write_data(value, data, _state=_state, _caller=sys._getframe, _engine=_ENGINE_GLOBALS,
                _set=_DATA_SLOT.__set__):
    _set(value, data)
    recorder = _state.recorder
    if recorder is not None:
        if _caller(1).f_globals is _engine:  # the engine writes data only when it creates a Value
            recorder.created.append(value)
            if not grad_mode.is_grad_enabled():
                recorder.made_without_grad.add(value)
        else:
            recorder.touches.append(('wrote', value, _where(_caller(1))))


def _record_comparison(symbol, a, b, result):
    recorder = _state.recorder
    if recorder is not None:
        recorder.comparisons.append((symbol, a, b, result))


_WATCHED_DATA = property(_read_data, _write_data, doc=_DATA_SLOT.__doc__)


@contextmanager
def recording():
    """Trace the code inside (recording on, even within a caller's no_grad()); yields the Recorder."""
    global _tracing_threads
    if _state.recorder is not None:
        raise RuntimeError("this thread is already tracing a function")
    with _install_lock:
        if not _tracing_threads:
            Value.data = _WATCHED_DATA  # type: ignore[misc, assignment] # a property over the slot, while tracing
            engine._comparison_hook = _record_comparison  # type: ignore[assignment] # the hook's place
        _tracing_threads += 1
    recorder = Recorder()
    _state.recorder = recorder  # type: ignore[assignment] # per thread: None or the recorder
    try:
        with grad_mode.enable_grad():
            yield recorder
    finally:
        _state.recorder = None
        with _install_lock:
            _tracing_threads -= 1
            if not _tracing_threads:
                Value.data = _DATA_SLOT  # type: ignore[misc]
                engine._comparison_hook = None
