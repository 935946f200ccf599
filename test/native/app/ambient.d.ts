// React Native's AppState module, imported by path in walk.tsx (its own
// types come with react-native, which is not installed here: the test
// fetches React Native's files itself).
declare module 'react-native/Libraries/AppState/AppState' {
  import type { AppStateLike } from 'keycard/react';
  const AppState: AppStateLike;
  export default AppState;
}
