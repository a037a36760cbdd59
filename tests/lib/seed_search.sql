-- Cases for the search benchmark (tools/bench-web): :n closed cases written
-- straight into cases in one statement, over the last ~2 years (one a
-- minute), with Chinese subjects and descriptions drawn from the words of a
-- quality bureau's hotline: common words (电梯, 小区, 缺斤短两) weighted
-- towards the front of their lists, a road and house number, an enterprise
-- name of two characters out of 30 (900 names: the long tail), and two
-- stock phrases. Reproducible (setseed). Closed and with a category, so they
-- are in no one's open cases and not in the triage queue; their source is
-- 'benchmark', so they are counted in no figure (018). Their numbers
-- (DB + day + 9 + seven digits) take nothing from intake's sequence and
-- cannot meet a number intake gives.
--   psql -v n=1000000 -f seed_search.sql
SELECT setseed(0.42);
WITH v AS (SELECT
  ARRAY['小区','农贸市场','加油站','超市','商场','学校','医院','工地','写字楼','菜市场','药店','宾馆',
        '餐馆','网吧','汽车站','幼儿园','养老院','工业园','批发市场','社区']::text[] AS places,
  ARRAY['电梯','锅炉','压力容器','起重机','电子秤','加油机','电表','水表','燃气表','计价器','眼镜',
        '儿童玩具','电动车','热水器','插座','电线','化肥','农药','种子','奶粉','食品','化妆品','服装',
        '棉被','羽绒服','家具','瓷砖','涂料','钢筋','水泥','轮胎','头盔','充电器','手机','空调','冰箱',
        '洗衣机','燃气灶','安全帽','灭火器']::text[] AS objects,
  ARRAY['异响','困人','故障','缺斤短两','计量不准','质量问题','不合格','假冒','伪劣','冒牌','虚标',
        '以次充好','漏电','起火','冒烟','漏水','漏气','掉色','起球','断裂','变形','过期','无证生产',
        '无标识','标准不符','乱收费','态度恶劣','未年检','超期使用','重量不足']::text[] AS problems,
  ARRAY['多次反映未解决','希望尽快处理','请有关部门调查','存在安全隐患','影响正常生活','商家拒绝退换',
        '要求赔偿损失','已向物业反映无果','周边居民意见很大','担心孩子安全','购买时未提供发票',
        '客服一直推诿','怀疑是假货','已经影响生产经营','请求上门检查']::text[] AS fillers,
  ARRAY['人民','解放','建设','中山','和平','胜利','长江','黄河','朝阳','光明','新华','文化','东风',
        '红旗','幸福','工业','滨江','湖滨','花园','友谊','团结','青年','振兴','富强','民主','科技',
        '创业','迎宾','世纪','金桥']::text[] AS roads,
  ARRAY['华','兴','达','盛','通','鑫','源','泰','恒','隆','鼎','润','宏','昌','丰','瑞','德','信','安',
        '顺','祥','利','福','金','宝','嘉','永','康','和','美']::text[] AS names,
  ARRAY['special-equipment','metrology','counterfeit','product-quality','fiber','standards',
        'licensing','fees']::text[] AS categories
)
INSERT INTO cases (case_number, query_code_sha256, channel, kind, category, priority, subject,
                   description, place, enterprise, requester_phone, first_responder, recorded_by,
                   state, source, created_at, updated_at, replied_at, informed_at, closed_at,
                   satisfaction, result)
SELECT 'DB' || to_char(at, 'YYYYMMDD') || '9' || lpad(i::text, 7, '0'),
       sha256(convert_to('search' || i, 'UTF8')), 'hotline',
       (ARRAY['complaint', 'report', 'enquiry', 'suggestion'])[1 + i % 4], cat, 'normal',
       pl || ob || pr,
       pl || rd || '路' || no || '号' || ob || pr || '，' || f1 || '，' || f2 || '。',
       rd || '路' || no || '号', nm || '公司', '13' || lpad(phone::text, 9, '0'), 'op003', 'op003',
       'closed', 'benchmark', at, at, at, at, at, 'satisfied', '已处理'
FROM v, generate_series(1, :n) AS i,
  LATERAL (SELECT
    v.places[1 + floor(array_length(v.places, 1) * random() ^ 2)::int] AS pl,
    v.objects[1 + floor(array_length(v.objects, 1) * random() ^ 1.5)::int] AS ob,
    v.problems[1 + floor(array_length(v.problems, 1) * random() ^ 1.5)::int] AS pr,
    v.fillers[1 + floor(array_length(v.fillers, 1) * random())::int] AS f1,
    v.fillers[1 + floor(array_length(v.fillers, 1) * random())::int] AS f2,
    v.roads[1 + floor(array_length(v.roads, 1) * random())::int] AS rd,
    1 + floor(300 * random())::int AS no,
    v.names[1 + floor(30 * random())::int] || v.names[1 + floor(30 * random())::int] AS nm,
    v.categories[1 + floor(array_length(v.categories, 1) * random())::int] AS cat,
    floor(random() * 999999999)::bigint AS phone,
    now() - interval '3 days' - i * interval '1 minute' AS at) x;
