const zhCN = {
  app: { title: '县级视频指挥中心', wall: '大屏', language: 'English' },
  wall: {
    noCameras: '暂无摄像机',
    connecting: '正在连接服务器…',
    disconnected: '与服务器的连接已断开，正在重连…',
  },
  camera: {
    unknown: '没有这台摄像机',
    presets: '预置位',
    preset: { panorama: '全景', close: '近景' },
    moved: '已转到 {{name}}',
    snapshot: '抓拍图片',
    recordings: '今日录像',
    refresh: '刷新',
    noRecordings: '今天没有录像',
  },
  status: { idle: '待机', online: '在线', connecting: '连接中', offline: '离线' },
  tile: {
    waiting: '等待画面…',
    stats: '{{fps}} 帧/秒 · {{kbps}} kbps',
    transcoding: '转码',
    keyframe: '关键帧 {{s}} 秒前',
    mute: '静音',
    unmute: '开声音',
  },
  errors: {
    bad_request: '请求无效',
    unauthorized: '未登录',
    forbidden: '没有权限',
    not_found: '不存在',
    conflict: '状态冲突',
    unavailable: '暂不可用',
    internal: '服务器内部错误',
  },
};
export default zhCN;
export type Messages = typeof zhCN;
