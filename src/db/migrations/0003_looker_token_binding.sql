-- Stored tokens were bound to the integration only; they are disposable (the next call logs in again).
DELETE FROM "looker_tokens";--> statement-breakpoint
ALTER TABLE "looker_tokens" DROP CONSTRAINT "looker_tokens_pkey";--> statement-breakpoint
ALTER TABLE "looker_tokens" ALTER COLUMN "access_token_sealed" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "looker_tokens" ALTER COLUMN "expires_at" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "looker_tokens" ADD COLUMN "api_endpoint" text NOT NULL;--> statement-breakpoint
ALTER TABLE "looker_tokens" ADD COLUMN "client_id" text NOT NULL;--> statement-breakpoint
ALTER TABLE "looker_tokens" ADD COLUMN "lease_holder" uuid;--> statement-breakpoint
ALTER TABLE "looker_tokens" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "looker_tokens" ADD CONSTRAINT "looker_tokens_integration_id_api_endpoint_client_id_pk" PRIMARY KEY("integration_id","api_endpoint","client_id");
