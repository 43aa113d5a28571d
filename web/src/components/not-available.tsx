/** What a screen shows when the gateway does not serve the route it needs yet (it answered 404). */
export function NotAvailable(props: { what: string }) {
  return (
    <p class="message message--muted" data-testid="not-available">
      {props.what} is not available on this gateway yet.
    </p>
  );
}
