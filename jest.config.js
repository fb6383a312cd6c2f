/** One jest run for every package: unit, integration (real worker, ffmpeg, GStreamer) and e2e (Chromium). */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  moduleNameMapper: {
    '^@county/shared$': '<rootDir>/shared/src/index.ts',
    '^@county/shared/node$': '<rootDir>/shared/src/node/index.ts',
  },
  testMatch: ['<rootDir>/*/test/**/*.test.ts', '<rootDir>/tests/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  setupFiles: ['<rootDir>/tests/support/env.ts'],
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/tests/support/summaryReporter.js'],
};
