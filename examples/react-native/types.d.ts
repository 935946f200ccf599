// Just enough of `react-native`, `expo` and `expo-secure-store` for this
// sample to type-check in keycard's repo, where none is installed (the
// storage recipes are also checked against expo-secure-store's and
// react-native-keychain's real declarations: test/native/storage-types.test.ts).
// After `npm install` here, delete this file: the packages ship their own
// (complete) types.
// Kept a script (no top-level import/export) so these are ambient declarations.

declare module 'react-native' {
  import type { ComponentType, ReactNode } from 'react';

  type Style = Record<string, string | number>;
  type StyleProp = Style | ReadonlyArray<Style | false | null | undefined>;

  export type AppStateStatus = 'active' | 'background' | 'inactive' | 'unknown' | 'extension';
  export const AppState: {
    addEventListener(type: 'change', listener: (state: AppStateStatus) => void): { remove(): void };
  };

  export const StyleSheet: { create<T extends Record<string, Style>>(styles: T): T };
  export const View: ComponentType<{ style?: StyleProp; children?: ReactNode }>;
  export const Text: ComponentType<{ style?: StyleProp; children?: ReactNode }>;
  export const TextInput: ComponentType<{
    value: string;
    onChangeText(text: string): void;
    placeholder?: string;
    secureTextEntry?: boolean;
    autoCapitalize?: 'none' | 'sentences' | 'words' | 'characters';
    style?: StyleProp;
  }>;
  export const Button: ComponentType<{ title: string; onPress(): void; disabled?: boolean }>;
}

declare module 'expo-secure-store' {
  export type KeychainAccessibilityConstant = number;
  export interface SecureStoreOptions {
    keychainAccessible?: KeychainAccessibilityConstant;
  }
  export const AFTER_FIRST_UNLOCK_THIS_DEVICE_ONLY: KeychainAccessibilityConstant;
  export function getItemAsync(key: string, options?: SecureStoreOptions): Promise<string | null>;
  export function setItemAsync(key: string, value: string, options?: SecureStoreOptions): Promise<void>;
  export function deleteItemAsync(key: string, options?: SecureStoreOptions): Promise<void>;
}

declare module 'expo' {
  import type { ComponentType } from 'react';
  export function registerRootComponent(component: ComponentType): void;
}
