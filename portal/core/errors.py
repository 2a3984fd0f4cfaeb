"""Errors that services raise and pages turn into Chinese messages."""

from __future__ import annotations

import errno


class PortalError(Exception):
    """Base of the errors a user can be shown; `message` is Chinese and safe to display.

    `keeps_changes`: the refusal itself is a change to keep (a wrong code counts the attempt), so the caller's
    unit of work is committed before the error reaches the user.
    """

    keeps_changes: bool = False

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(PortalError):
    """The acting user may not do this."""

    def __init__(self, message: str = "您没有权限执行此操作。"):
        super().__init__(message)


class NotFound(PortalError):
    """The object does not exist (or is not visible to the acting user)."""

    def __init__(self, message: str = "未找到相关记录。"):
        super().__init__(message)


class ValidationFailed(PortalError):
    """Input was rejected; `errors` maps field name to a Chinese reason."""

    def __init__(self, errors: dict[str, str] | str, *, field: str | None = None):
        if isinstance(errors, str):
            errors = {field or "": errors}
        self.errors = errors
        super().__init__("；".join(errors.values()), field=next(iter(errors), None))


class ImportFileError(ValueError):
    """An uploaded file cannot be imported at all (unreadable, no header, a required column or sheet missing).

    Raised by both importers before any row is looked at: `message` is Chinese for the page, `english` for the
    command line (and the exception's text). Row problems are reported per row instead, never raised.
    """

    def __init__(self, message: str, *, english: str):
        super().__init__(english)
        self.message = message
        self.english = english


class Conflict(PortalError):
    """The state changed under the user (someone else acted first) or a uniqueness rule was hit."""


STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})
"""OSError numbers that mean the data folder cannot take a file (full, over quota, read-only, no permission)."""


class StorageUnavailable(PortalError):
    """A file could not be written to the data folder (disk full, read-only, no permission): the operator must act.

    Nothing was kept: the partial file is removed and the caller's unit of work rolls back.
    """

    def __init__(self, message: str = "存储空间不足，请联系管理员"):
        super().__init__(message)
