"""The audit actions of accounts: log-ins, users, roles, tokens and access denials."""

from audit.actions import AuditAction


class AccountAction(AuditAction):
    LOGIN = "accounts.login"
    LOGOUT = "accounts.logout"
    LOGIN_FAILED = "accounts.login_failed"
    LOCKED_OUT = "accounts.locked_out"
    TOKEN_REFUSED = "accounts.token_refused"
    TOKEN_CREATE = "accounts.token.create"
    TOKEN_REVOKE = "accounts.token.revoke"
    ROLE_GRANT = "accounts.role.grant"
    ROLE_REVOKE = "accounts.role.revoke"
    USER_CREATE = "accounts.user.create"
    USER_UPDATE = "accounts.user.update"
    USER_PASSWORD = "accounts.user.password"
    USER_DELETE = "accounts.user.delete"
    GROUP_CREATE = "accounts.group.create"
    GROUP_UPDATE = "accounts.group.update"
    GROUP_DELETE = "accounts.group.delete"
    ACCESS_DENIED = "access.denied"
