ALTER TABLE "staged_datapoints" DROP CONSTRAINT "staged_datapoints_import_run_id_import_runs_id_fk";
--> statement-breakpoint
ALTER TABLE "import_runs" ADD COLUMN "stale" boolean DEFAULT false NOT NULL;
--> statement-breakpoint
-- What the foreign key's ON DELETE CASCADE did, once per statement instead of a check per staged
-- row: rows staged under a run go when the run goes (a metric or workspace deleted mid-import).
CREATE FUNCTION "drop_staged_rows_of_deleted_runs"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "staged_datapoints" s USING "deleted_runs" r WHERE s."import_run_id" = r."id";
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "import_runs_drop_staged_rows" AFTER DELETE ON "import_runs"
  REFERENCING OLD TABLE AS "deleted_runs" FOR EACH STATEMENT EXECUTE FUNCTION "drop_staged_rows_of_deleted_runs"();
