"""How an edit runs: the options every interface offers, defined once.

``PlanOptions`` (the planner) and ``EditOptions`` (the planner plus the executor preference, the
verifier, the seed, the attempts per step and chunked/whole) are the one definition behind the
command line's flags and help, the HTTP API's ``options`` JSON (``JobOptions`` adds the output
format), the page's requests, the chat tools' JSON schema (OpenAI, langchain) and the MCP tools.
Field names are the keyword arguments of ``audioedit.edit`` / ``edit_request``:

    options = EditOptions(executor="dsp", verifier="acoustic")
    audioedit.edit("in.wav", "make it quieter", "out.wav", **options.edit_kwargs())
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError

from audioedit.errors import UserInputError

PlannerName = Literal["rules", "llm"]
ExecutorPreference = Literal["auto", "dsp", "ldm", "region"]
VerifierName = Literal["acoustic", "clap"]
MAX_SEED = 2**31 - 1
MAX_ATTEMPTS = 5

Options = TypeVar("Options", bound=BaseModel)


class PlanOptions(BaseModel):
    """How a request is planned."""

    planner: PlannerName = Field("rules", description="rules (offline) or llm (the configured endpoint)")


class EditOptions(PlanOptions):
    """How a request is planned, executed and verified."""

    executor: ExecutorPreference = Field(
        "auto", description="auto | dsp | ldm | region (DSP region edit even over overlapping events)")
    verify: bool = Field(True, description="verify each step and retry what fails")
    verifier: VerifierName = Field(
        "clap", description="clap (acoustic measurements + CLAP similarity checks) | acoustic")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="random seed (sound choice for add/replace)")
    max_attempts: int = Field(3, ge=1, le=MAX_ATTEMPTS, description="attempts per step (retries included)")
    chunked: bool | None = Field(
        None, description="stream the file chunk by chunk (default: for inputs longer than 10 min)")

    def edit_kwargs(self) -> dict[str, Any]:
        """The options as keyword arguments of ``edit_request`` (only ``EditOptions``' own fields)."""
        return {name: getattr(self, name) for name in EditOptions.model_fields}


def checked(model: type[Options], data: dict | str | None, what: str = "options") -> Options:
    """``data`` (a dict or JSON text; None = the defaults) as ``model``; ``UserInputError`` naming each problem."""
    try:
        if isinstance(data, str):
            return model.model_validate_json(data)
        return model.model_validate(data or {})
    except ValidationError as exc:
        unknown = any(e["type"] == "extra_forbidden" for e in exc.errors())
        accepted = f"; accepted fields: {sorted(model.model_fields)}" if unknown else ""
        raise UserInputError(f"invalid {what}: {problems(exc, what)}{accepted}") from None


def problems(exc: ValidationError, whole: str = "<args>") -> str:
    """A validation error as one line: ``field: message`` per problem (``whole``: the input as a whole),
    unknown choices named as such."""
    out = []
    for error in exc.errors():
        where = ".".join(map(str, error["loc"])) or whole
        if error["type"] == "literal_error":
            out.append(f"unknown {where} {error['input']!r} (accepted: {error['ctx']['expected']})")
        else:
            out.append(f"{where}: {error['msg']}")
    return "; ".join(out)
