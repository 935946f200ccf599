// A production build as a webpack app makes one (webpack's Node API, the config a webpack-cli user would write): JSX
// through babel-loader, output under dist/assets/ (index.js and the chunks of dynamic imports) beside
// dist/index.html, laid out as the Vite consumer's build is, so that the same Chromium check serves it. src/main.jsx
// is the Vite consumer's, copied in by run.mjs. Prints webpack's errors and warnings; exits 1 on an error.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const webpack = require('webpack');

const dist = join(__dirname, 'dist');
webpack(
  {
    mode: 'production',
    entry: { index: './src/main.jsx' },
    output: { path: join(dist, 'assets'), chunkFilename: '[name].js', publicPath: '/assets/', clean: true },
    resolve: { extensions: ['.js', '.jsx'] },
    module: {
      rules: [
        {
          test: /\.jsx$/,
          exclude: /node_modules/,
          use: { loader: 'babel-loader', options: { presets: [['@babel/preset-react', { runtime: 'automatic' }]] } },
        },
      ],
    },
    // An app's size hints (React alone passes webpack's 244 KiB), not keycard's business.
    performance: { hints: false },
  },
  (error, stats) => {
    if (error) throw error;
    const { errors, warnings } = stats.toJson({ all: false, errors: true, warnings: true });
    for (const problem of [...errors, ...warnings]) console.log(problem.message);
    if (stats.hasErrors()) process.exit(1);
    writeFileSync(
      join(dist, 'index.html'),
      '<!doctype html><div id="root"></div><script src="/assets/index.js"></script>\n',
    );
  },
);
