import { createSignal } from "solid-js";
import { login } from "../lib/api.ts";
import { t } from "../lib/i18n.ts";
import { TextField } from "./form.tsx";
import { ErrorAlert } from "./message.tsx";

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
      setError(caught instanceof Error ? caught.message : t("login.failed"));
    } finally {
      setPending(false);
    }
  };

  return (
    <form class="panel login" onSubmit={submit} aria-labelledby="login-title">
      <h2 id="login-title">{t("login.title")}</h2>
      <TextField
        label={t("login.username")}
        name="username"
        autocomplete="username"
        required
        value={username()}
        onValue={setUsername}
      />
      <TextField
        label={t("login.password")}
        name="password"
        type="password"
        autocomplete="current-password"
        required
        value={password()}
        onValue={setPassword}
      />
      <ErrorAlert text={error()} />
      <button type="submit" class="button button--primary" disabled={pending()}>
        {pending() ? t("login.pending") : t("login.submit")}
      </button>
    </form>
  );
}
