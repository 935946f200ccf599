// keycard's refresh endpoint, as an app with no session yet answers it: 204, "no session".
export function POST() {
  return new Response(null, { status: 204 });
}
