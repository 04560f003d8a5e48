// The emulator helpers live in scripts/lib so the demo and benchmark share them with the tests.
export * from '../../scripts/lib/emulators';
