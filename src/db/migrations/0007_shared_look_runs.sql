CREATE TABLE "looker_query_slots" (
	"integration_id" uuid NOT NULL,
	"holder" uuid NOT NULL,
	"lease_expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "looker_query_slots_integration_id_holder_pk" PRIMARY KEY("integration_id","holder")
);
--> statement-breakpoint
CREATE TABLE "shared_look_results" (
	"integration_id" uuid NOT NULL,
	"look_id" text NOT NULL,
	"row_limit" integer NOT NULL,
	"fields" text[],
	"result" "bytea",
	"failure" jsonb,
	"fetched_at" timestamp with time zone,
	"fetched_at_workflow_ms" bigint,
	"lease_holder" uuid,
	"lease_expires_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shared_look_results_integration_id_look_id_row_limit_pk" PRIMARY KEY("integration_id","look_id","row_limit")
);
--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "max_concurrent_queries" integer DEFAULT 8 NOT NULL;--> statement-breakpoint
ALTER TABLE "looker_query_slots" ADD CONSTRAINT "looker_query_slots_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_look_results" ADD CONSTRAINT "shared_look_results_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "shared_look_results_updated_idx" ON "shared_look_results" USING btree ("updated_at");