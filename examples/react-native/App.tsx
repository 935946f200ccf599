import { useState } from 'react';
import { AppState, Button, StyleSheet, Text, TextInput, View } from 'react-native';
import { AuthError } from 'keycard';
import { AuthProvider, useAppStateResume, useAuth } from 'keycard/react';
import { auth, BASE_URL } from './auth';

export default function App() {
  return (
    <AuthProvider client={auth}>
      <View style={styles.screen}>
        <Screen />
      </View>
    </AuthProvider>
  );
}

function Screen() {
  // Timers don't run while the app is suspended: when it comes back to the
  // foreground, a refresh that fell due meanwhile runs at once. Going to the
  // background aborts nothing (a refresh in flight finishes if the OS lets it).
  useAppStateResume(AppState);
  return <Content />;
}

function Content() {
  const { status } = useAuth();
  if (status === 'initializing') return <Text>Restoring your session…</Text>;
  return status === 'authenticated' ? <Home /> : <Login />;
}

function Login() {
  const { login } = useAuth();
  const [username, setUsername] = useState('alice');
  const [password, setPassword] = useState('wonderland');
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function signIn() {
    setBusy(true);
    setFailure(null);
    try {
      // The reference server sends the refresh token in the JSON body (not a cookie) when asked.
      await login({ username, password, refresh_token_in_body: true });
    } catch (error) {
      setFailure(
        error instanceof AuthError && error.code === 'invalid_credentials'
          ? 'Wrong username or password.'
          : `Cannot reach ${BASE_URL}.`,
      );
      setBusy(false);
    }
  }

  return (
    <View style={styles.card}>
      <Text style={styles.title}>Sign in</Text>
      <TextInput
        style={styles.input}
        value={username}
        onChangeText={setUsername}
        placeholder="Username"
        autoCapitalize="none"
      />
      <TextInput
        style={styles.input}
        value={password}
        onChangeText={setPassword}
        placeholder="Password"
        secureTextEntry
      />
      {failure && <Text style={styles.error}>{failure}</Text>}
      <Button title={busy ? 'Signing in…' : 'Sign in'} onPress={signIn} disabled={busy} />
    </View>
  );
}

function Home() {
  const { user, fetch, logout } = useAuth();
  const [items, setItems] = useState<string | null>(null);

  async function callApi() {
    // Token attached; a 401 gets one shared refresh and a replay.
    const res = await fetch(`${BASE_URL}/api/items`);
    if (!res.ok) return setItems(`The API answered ${res.status}`);
    const body = (await res.json()) as { items: Array<{ name: string }> };
    setItems(body.items.map((item) => item.name).join(', '));
  }

  return (
    <View style={styles.card}>
      <Text style={styles.title}>Hello, {String(user?.name ?? user?.sub)}</Text>
      <Button title="Call the API" onPress={() => void callApi().catch(() => setItems('Network error'))} />
      {items && <Text>{items}</Text>}
      <Button title="Sign out" onPress={() => void logout()} />
    </View>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, justifyContent: 'center', padding: 24, backgroundColor: '#f5f6f8' },
  card: { gap: 12, padding: 20, borderRadius: 10, backgroundColor: '#ffffff' },
  title: { fontSize: 22, fontWeight: '600' },
  input: { borderWidth: 1, borderColor: '#e4e7ec', borderRadius: 6, padding: 10 },
  error: { color: '#c92a2a' },
});
