import { createApp } from 'vue';
import { Locale } from 'vant';
import zhCN from 'vant/es/locale/lang/zh-CN';
import 'vant/es/style/base.css';
import './styles.css';
import App from './App.vue';
import { router } from './router';
import './elder';
import { recheckRestoredPages } from './session';

Locale.use('zh-CN', zhCN);
createApp(App).use(router).mount('#app');
recheckRestoredPages();
