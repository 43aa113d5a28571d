import { createSignal, Show } from "solid-js";
import { login } from "../lib/api.ts";

export function LoginForm() {
  const [username, setUsername] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [pending, setPending] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await login(username().trim(), password());
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Login failed");
    } finally {
      setPending(false);
    }
  };

  return (
    <form class="panel login" onSubmit={submit} aria-labelledby="login-title">
      <h2 id="login-title">Sign in</h2>
      <label class="field">
        <span>Username</span>
        <input
          name="username"
          autocomplete="username"
          required
          value={username()}
          onInput={(event) => setUsername(event.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>Password</span>
        <input
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password()}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
      </label>
      <Show when={error()}>
        {(message) => (
          <p class="message message--error" role="alert">
            {message()}
          </p>
        )}
      </Show>
      <button type="submit" class="button button--primary" disabled={pending()}>
        {pending() ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
