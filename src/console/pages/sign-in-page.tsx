import { Field, Layout, type AssetUrls } from '../layout';

/** The only page without a session: a workspace API key is pasted once and becomes a session. */
export function SignInPage(props: { assets: AssetUrls; formToken: string; error?: string; notice?: string }) {
  return (
    <Layout title="Sign in" assets={props.assets}>
      {props.notice && <p class="notice" role="status">{props.notice}</p>}
      <form method="post" action="/console/sign-in" class="card narrow">
        <input type="hidden" name="csrf" value={props.formToken} />
        <Field name="apiKey" label="Workspace API key" hint="The key starts with mi_live_. It is exchanged for a session here and not kept in the browser.">
          <input id="apiKey" name="apiKey" type="password" autocomplete="off" required aria-describedby="apiKey-hint apiKey-error" autofocus />
        </Field>
        {props.error && <p class="error" role="alert">{props.error}</p>}
        <button type="submit" class="primary">Sign in</button>
      </form>
    </Layout>
  );
}
