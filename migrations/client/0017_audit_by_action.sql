-- The managers' list of restricted records opened (break-glass) reads the audit log by action.
CREATE INDEX audit_by_action ON audit (action, seq);
