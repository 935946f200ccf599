import { registerRootComponent } from 'expo';
import App from './App';

// Expo's entry point: registers App as the root component (AppRegistry.registerComponent('main', ...)).
registerRootComponent(App);
