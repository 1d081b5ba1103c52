-- The dashboard's figures kept by day, version 10, so that a page over any range adds up a few
-- rows per doctor and day instead of reading every visit (5M visits make a 90-day page read
-- 600k rows; a year's, 2.5M). A day is a UTC day: `starts_at / 86400000`. Each booking's part
-- is moved when its facts change (`office::rules`), each survey answer's added once when it
-- is given (`office::surveys`); the rows here are filled from what is already held.
CREATE TABLE visit_day (
    clinic_id    TEXT NOT NULL,
    doctor       TEXT NOT NULL,
    day          BIGINT NOT NULL,
    came         BIGINT NOT NULL,
    no_shows     BIGINT NOT NULL,
    seen         BIGINT NOT NULL,
    seen_on_time BIGINT NOT NULL,
    PRIMARY KEY (clinic_id, doctor, day)
);
CREATE INDEX visit_day_by_day ON visit_day (day);
INSERT INTO visit_day (clinic_id, doctor, day, came, no_shows, seen, seen_on_time)
SELECT clinic_id, doctor, starts_at / 86400000,
    sum(CASE WHEN status IN ('arrived', 'with-doctor', 'done') THEN 1 ELSE 0 END),
    sum(CASE WHEN status = 'no-show' THEN 1 ELSE 0 END),
    sum(CASE WHEN seen_at IS NOT NULL THEN 1 ELSE 0 END),
    sum(CASE WHEN seen_at IS NOT NULL AND seen_at - starts_at <= 1800000 THEN 1 ELSE 0 END)
FROM booking WHERE clinic_id IS NOT NULL
GROUP BY clinic_id, doctor, starts_at / 86400000;

CREATE TABLE survey_day (
    clinic_id  TEXT NOT NULL,
    doctor     TEXT NOT NULL,
    day        BIGINT NOT NULL,
    answers    BIGINT NOT NULL,
    ratings    BIGINT NOT NULL,
    rating_sum BIGINT NOT NULL,
    recommends BIGINT NOT NULL,
    promoters  BIGINT NOT NULL,
    detractors BIGINT NOT NULL,
    PRIMARY KEY (clinic_id, doctor, day)
);
CREATE INDEX survey_day_by_day ON survey_day (day);

-- The messages of a range by clinic and status, read from the index alone.
CREATE INDEX message_by_created ON message (created_at, clinic_id, status);

-- What head-office users did on the dashboard: signing in (and failing to), signing out,
-- exporting figures. Never a password or a session's token.
CREATE TABLE office_audit (
    id     TEXT PRIMARY KEY,
    at     BIGINT NOT NULL,
    login  TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX office_audit_by_time ON office_audit (at);
