// Types of device.js, for the app code that drives it.
export interface FakeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}
export interface FakeRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}
export declare function emit(kind: string, value: unknown): void;
export declare const clock: { now: number };
export declare function settle(): Promise<void>;
export declare function advance(ms: number): Promise<void>;
export declare function setServer(server: { handle(request: FakeRequest): FakeResponse | null }): void;
export declare const networkLog: Array<{ method: string; url: string; status: number | 'lost' }>;
export declare function pendingTimers(): number;
export declare function setAppState(state: 'active' | 'background' | 'inactive'): void;
export declare const exceptions: Array<{ fatal: boolean; message: string }>;
export declare const logs: Array<{ level: number; message: string }>;
export declare const missingModules: string[];
export declare function finish(): void;
