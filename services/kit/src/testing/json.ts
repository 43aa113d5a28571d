/** Test-only: a response body as loosely typed JSON, so assertions can dig in. */
// biome-ignore lint/suspicious/noExplicitAny: tests assert on the shape at run time
export async function readJson(response: Response): Promise<any> {
  return response.json();
}
