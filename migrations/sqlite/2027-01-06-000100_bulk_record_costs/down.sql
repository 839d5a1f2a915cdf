DROP INDEX activities_corrects;
CREATE INDEX activities_corrects ON activities (corrects_id);
