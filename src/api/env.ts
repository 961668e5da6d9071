export interface Principal {
  workspaceId: string;
  apiKeyId: string;
}

/** Hono context variables set by the middleware. */
export interface AppEnv {
  Variables: {
    requestId: string;
    principal: Principal;
  };
}
