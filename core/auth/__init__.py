"""Accounts, workspaces, roles, API tokens and browser sessions.

Who may do what is decided in one place per layer: `schema/permissions.py` for GraphQL fields,
`core.auth.model.Caller.can` underneath it; what a caller sees is scoped by its workspace in
the stores (`core/tasks.py`, `core/resumable.py`, `core/catalog.py`).
"""

from core.auth.model import Caller, Membership, Role, Workspace

__all__ = ["Caller", "Membership", "Role", "Workspace"]
