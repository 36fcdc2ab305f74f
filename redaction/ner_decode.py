"""spaCy's NER, decoded without spaCy's per-token step loop: the same model, the same entities, about 3x less CPU.

Why this exists (issue 17, measured): in spaCy 3.8 the greedy NER decoder (``Parser._parseC``) checks every one of
the 74 transitions at every token, and each check reads the state through ``StateC.B_()``, which in the published
wheels takes and releases the GIL (``PyGILState_Ensure`` under ``safe_get``, seen with ``perf``). On this machine that
is about 65 microseconds per token, two thirds of NER's cost and the largest single cost of the engine on
token-dense text; the neural network itself (tok2vec and the precomputed hidden layer) is the other third.

What is done here instead, for the model shape en_core_web_sm/md/lg's NER has (``TransitionBasedParser.v2``,
``state_type = "ner"``, 3 state features, an upper layer, no unseen classes -- anything else falls back to
``nlp.pipe``): the tok2vec and the precomputed lower layer run exactly as spaCy runs them (the model's own layers).
A token's scores depend on the decoder state only inside an entity (features: the token, the entity's first token,
the token before); outside one they depend on the token alone. So the scores of every token in the "outside" state
are computed in one matrix product and their best valid transition picked at once; only tokens inside an entity
(a few per message) take a step of their own. Transitions are valid under the same rules as spaCy's
``BiluoPushDown`` (``_parser_internals/ner.pyx``; documents fresh from the tokenizer have no preset entities):
outside, ``O`` always, ``U-X`` unless the token is whitespace, ``B-X`` unless it is whitespace, the last token or
followed by a sentence start; inside ``X``, ``L-X`` always, ``I-X`` unless last or followed by a sentence start.
Ties go to the first transition, as in spaCy. The arithmetic is spaCy's in the same order (the three feature
vectors summed, the bias added, maxout, then BLIS's sgemm for the upper layer, as spaCy calls it), so the entities
are the same: ``benchmarks/ner_decode_check.py`` compares them with ``nlp.pipe`` on every labelled corpus and on
fuzzed and hostile input, and ``tests/unit/redaction/test_ner_decode.py`` on a sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy
from spacy.language import Language
from spacy.tokens import Doc

_BEGIN, _IN, _LAST, _UNIT, _OUT = "B", "I", "L", "U", "O"


class FastNer:
    """Entities of a loaded spaCy NER component, decoded as described in the module docstring."""

    def __init__(self, nlp: Language, component: str = "ner") -> None:
        ner: Any = nlp.get_pipe(component)
        model = ner.model
        tok2vec, lower, upper = model.layers
        self._nlp = nlp
        self._tok2vec = tok2vec
        self._lower = lower
        self._ops = model.ops
        self._bias = numpy.ascontiguousarray(lower.get_param("b"), dtype="float32")
        self._weights = numpy.ascontiguousarray(upper.get_param("W"), dtype="float32")
        self._upper_bias = numpy.ascontiguousarray(upper.get_param("b"), dtype="float32")
        names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
        moves = [name.partition("-") for name in names]
        self._labels = [label for _move, _dash, label in moves]
        n = len(names)
        self._outside = names.index(_OUT)
        # Columns valid outside an entity: O always; B-X and U-X (X not empty) unless excluded per token below.
        self._begin = numpy.array([m == _BEGIN and bool(label) for m, _d, label in moves])
        self._unit = numpy.array([m == _UNIT and bool(label) for m, _d, label in moves])
        self._in_of = {label: i for i, (m, _d, label) in enumerate(moves) if m == _IN and label}
        self._last_of = {label: i for i, (m, _d, label) in enumerate(moves) if m == _LAST and label}
        self._n_classes = n

    @staticmethod
    def supports(nlp: Language, component: str = "ner") -> bool:
        """Whether ``nlp``'s NER has the shape this decoder reproduces (else the caller uses ``nlp.pipe``)."""
        try:
            ner: Any = nlp.get_pipe(component)
            model = ner.model
            config = nlp.config["components"][component]
            arch = config["model"]
            lower = model.layers[1]
            names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
            return (
                config.get("factory") == "ner"
                and str(arch.get("@architectures", "")).startswith("spacy.TransitionBasedParser")
                and arch.get("state_type") == "ner"
                and not arch.get("extra_state_tokens", False)
                and model.name == "parser_model"
                and len(model.layers) == 3
                and model.attrs.get("has_upper") is True
                and not model.attrs.get("unseen_classes")
                and lower.name == "precomputable_affine"
                and lower.get_dim("nF") == 3
                and lower.get_dim("nP") == 2
                and int(ner.cfg.get("beam_width", 1)) == 1
                and not ner.postprocesses
                and _OUT in names
                and nlp.pipe_names == [component]
            )
        except (KeyError, AttributeError, ValueError, IndexError):
            return False

    def entities(self, texts: Sequence[str]) -> list[list[tuple[int, int, str]]]:
        """``(start_char, end_char, label)`` of every entity spaCy's NER finds in each text, in order."""
        docs = [self._nlp.make_doc(text) for text in texts]
        return [[(doc[s].idx, doc[e - 1].idx + len(doc[e - 1]), label) for s, e, label in found]
                for doc, found in zip(docs, self._decode(docs), strict=True)]

    def _decode(self, docs: list[Doc]) -> list[list[tuple[int, int, str]]]:
        sized = [doc for doc in docs if len(doc)]
        if not sized:
            return [[] for _ in docs]
        tokvecs = self._tok2vec.predict(sized)
        cached = self._lower.predict(tokvecs)  # (tokens + 1, 3, hidden, pieces); row 0 is the padding
        # Outside an entity the state features are (token, none, none): the two padding vectors.
        unmaxed = cached[1:, 0] + cached[0, 1]
        unmaxed += cached[0, 2]
        unmaxed += self._bias
        scores = self._scores(unmaxed.max(axis=2))
        out: list[list[tuple[int, int, str]]] = []
        offset = 0
        for doc in docs:
            n = len(doc)
            if not n:
                out.append([])
                continue
            out.append(self._walk(doc, cached, scores[offset : offset + n], offset))
            offset += n
        return out

    def _scores(self, hidden: numpy.ndarray) -> numpy.ndarray:
        scores: numpy.ndarray = self._ops.gemm(
            numpy.ascontiguousarray(hidden, dtype="float32"), self._weights, trans2=True
        )
        scores += self._upper_bias
        return scores

    def _walk(
        self, doc: Doc, cached: numpy.ndarray, outside: numpy.ndarray, offset: int
    ) -> list[tuple[int, int, str]]:
        n = len(doc)
        attrs = doc.to_array(["IS_SPACE", "SENT_START"])
        space = attrs[:, 0].astype(bool)
        next_starts = numpy.zeros(n, dtype=bool)
        next_starts[:-1] = attrs[1:, 1].astype(numpy.int64) == 1
        can_begin = ~space & ~next_starts
        can_begin[-1] = False
        masked = numpy.where(self._begin[None, :] & can_begin[:, None], outside, -numpy.inf)
        unit = self._unit[None, :] & ~space[:, None]
        masked = numpy.where(unit, outside, masked)
        masked[:, self._outside] = outside[:, self._outside]
        best = masked.argmax(axis=1)
        found: list[tuple[int, int, str]] = []
        t = 0
        for position in numpy.flatnonzero(best != self._outside).tolist():
            if position < t:
                continue  # inside an entity that an earlier token began
            t = position
            label = self._labels[best[t]]
            if self._unit[best[t]]:
                found.append((t, t + 1, label))
                t += 1
                continue
            start = t
            t += 1
            inside, last = self._in_of[label], self._last_of[label]
            while True:
                row = offset + t
                unmaxed = cached[row + 1, 0] + cached[offset + start + 1, 1]
                unmaxed += cached[row, 2]
                unmaxed += self._bias
                scores = self._scores(unmaxed.max(axis=1)[None, :])[0]
                may_continue = t < n - 1 and not next_starts[t]
                keep_open = scores[inside] > scores[last] or (scores[inside] == scores[last] and inside < last)
                if may_continue and keep_open:  # I-X, else L-X: the first of equal scores, as in spaCy
                    t += 1
                    continue
                found.append((start, t + 1, label))
                t += 1
                break
        return found
