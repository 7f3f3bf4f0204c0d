-- Survey drafts edited from the admin console. A draft is a survey version with
-- published = 0; publishing sets published = 1 and it never changes again.

-- At most one draft at a time.
CREATE UNIQUE INDEX survey_versions_one_draft ON survey_versions (published) WHERE published = 0;

-- A published version is immutable: it cannot become a draft again or be deleted, and
-- its questions, choices and texts can be neither changed nor deleted. (The admin
-- console checks this first and says so; these triggers are the last line.)
CREATE TRIGGER survey_versions_stay_published BEFORE UPDATE ON survey_versions
WHEN OLD.published = 1
BEGIN
    SELECT RAISE(ABORT, 'a published survey version cannot change');
END;

CREATE TRIGGER survey_versions_published_stay BEFORE DELETE ON survey_versions
WHEN OLD.published = 1
BEGIN
    SELECT RAISE(ABORT, 'a published survey version cannot be deleted');
END;

CREATE TRIGGER questions_of_published_versions_stay BEFORE UPDATE ON questions
WHEN EXISTS (SELECT 1 FROM survey_versions WHERE version IN (OLD.survey_version, NEW.survey_version) AND published = 1)
BEGIN
    SELECT RAISE(ABORT, 'the questions of a published survey version cannot change');
END;

CREATE TRIGGER questions_of_published_versions_stay_put BEFORE DELETE ON questions
WHEN EXISTS (SELECT 1 FROM survey_versions WHERE version = OLD.survey_version AND published = 1)
BEGIN
    SELECT RAISE(ABORT, 'the questions of a published survey version cannot be deleted');
END;

CREATE TRIGGER choices_of_published_versions_stay BEFORE UPDATE ON choices
WHEN EXISTS (SELECT 1 FROM survey_versions WHERE version IN (OLD.survey_version, NEW.survey_version) AND published = 1)
BEGIN
    SELECT RAISE(ABORT, 'the choices of a published survey version cannot change');
END;

CREATE TRIGGER choices_of_published_versions_stay_put BEFORE DELETE ON choices
WHEN EXISTS (SELECT 1 FROM survey_versions WHERE version = OLD.survey_version AND published = 1)
BEGIN
    SELECT RAISE(ABORT, 'the choices of a published survey version cannot be deleted');
END;

CREATE TRIGGER texts_of_published_versions_stay BEFORE UPDATE ON texts
WHEN EXISTS (SELECT 1 FROM survey_versions WHERE version IN (OLD.survey_version, NEW.survey_version) AND published = 1)
BEGIN
    SELECT RAISE(ABORT, 'the texts of a published survey version cannot change');
END;

CREATE TRIGGER texts_of_published_versions_stay_put BEFORE DELETE ON texts
WHEN EXISTS (SELECT 1 FROM survey_versions WHERE version = OLD.survey_version AND published = 1)
BEGIN
    SELECT RAISE(ABORT, 'the texts of a published survey version cannot be deleted');
END;
