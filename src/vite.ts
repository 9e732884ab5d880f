import { unpluginFactory } from './plugin/factory.js'
import { createVitePlugin } from 'unplugin'

export default createVitePlugin(unpluginFactory)
